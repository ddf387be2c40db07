from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions
from xinyuan.hotline.models import Seat
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact
from xinyuan.operations.models import ServiceWindow, Shift
from xinyuan.reports.board import live_board, running_time

BOARD = reverse("reports:board")
PANEL = reverse("reports:board-panel")
ZONE = ZoneInfo(settings.TIME_ZONE)


class BoardAccessTests(PersonaMixin, TestCase):
    def test_supervisors_and_directors_of_the_centre_see_it_others_are_refused(self):
        for user, status in (
            (self.p.supervisor, 200),
            (self.p.director, 200),
            (self.p.counsellor, 403),
            (self.p.auditor, 403),
            (self.p.admin, 403),
            (self.p.officer, 403),
        ):
            for url in (BOARD, PANEL):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(client_for(user).get(url).status_code, status)

    def test_the_nav_offers_the_board_to_those_who_may_see_it(self):
        self.assertContains(client_for(self.p.supervisor).get(BOARD), "值班看板")
        page = client_for(self.p.counsellor).get(reverse("hotline:workstation"))
        self.assertNotContains(page, BOARD)

    def test_an_outsider_sees_their_own_centre_never_this_one(self):
        contact = high_risk_contact(self.p.counsellor)
        outsider = client_for(self.p.outsider_supervisor).get(PANEL)
        self.assertEqual(outsider.status_code, 200)
        self.assertNotContains(outsider, str(contact.public_id))
        self.assertNotContains(outsider, contact.number)
        own = client_for(self.p.supervisor).get(PANEL)
        self.assertContains(own, str(contact.public_id))


class BoardContentTests(PersonaMixin, TestCase):
    def test_contacts_in_progress_show_seat_counsellor_and_risk_never_the_caller(self):
        contact = high_risk_contact(
            self.p.counsellor, seat=self.p.seat, caller_number="13800138000"
        )
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=contact,
            version=contact.version,
            changes={"purpose": "家里的事让我很绝望"},
        )
        page = client_for(self.p.supervisor).get(PANEL)
        self.assertContains(page, 'data-testid="board-contact"', count=1)
        self.assertContains(page, contact.number)
        self.assertContains(page, "A01")
        self.assertContains(page, "07号")
        self.assertContains(page, 'data-risk="imminent"', count=2)  # the contact and its alert
        for secret in ("13800138000", "绝望"):
            self.assertNotContains(page, secret)
        board = live_board(self.p.supervisor)
        self.assertEqual((board.contacts_total, board.alerts_total), (1, 1))

    def test_the_running_time_reads_as_the_pages_timer_writes_it(self):
        start = timezone.now()
        self.assertEqual(running_time(start, start + timedelta(seconds=65)), "01:05")
        self.assertEqual(running_time(start, start + timedelta(minutes=61, seconds=2)), "1:01:02")
        start_contact(self.p.counsellor, started_at=timezone.now() - timedelta(minutes=12))
        page = client_for(self.p.supervisor).get(PANEL)
        self.assertRegex(page.content.decode(), r'data-testid="running-time">12:0\d<')

    def test_a_closed_contact_and_an_acknowledged_alert_leave_the_board(self):
        contact = high_risk_contact(self.p.counsellor)
        alert = contact.alerts.get()
        actions.do_acknowledge_alert(actor=self.p.supervisor, alert=alert)
        board = live_board(self.p.supervisor)
        self.assertEqual(board.alerts_total, 0)
        self.assertEqual(board.contacts_total, 1)

    def test_follow_ups_overdue_and_due_later_today_are_counted(self):
        contact = high_risk_contact(self.p.counsellor)
        follow_up = actions.do_book_follow_up(
            actor=self.p.counsellor, contact=contact, consent_given=True
        )
        local_now = timezone.now().astimezone(ZONE)
        day_end = datetime.combine(local_now.date() + timedelta(days=1), time.min, tzinfo=ZONE)
        # Due in the minute before midnight: due later today (unless the test runs right then).
        board = live_board(self.p.supervisor, now=follow_up.due_at - timedelta(minutes=5))
        self.assertEqual(board.follow_ups_overdue, 0)
        if follow_up.due_at < day_end:
            self.assertEqual(board.follow_ups_due_today, 1)
        later = live_board(self.p.supervisor, now=follow_up.due_at + timedelta(minutes=5))
        self.assertEqual(later.follow_ups_overdue, 1)

    def test_seats_staffed_now_and_the_next_gap_come_from_the_shifts(self):
        now = timezone.now()
        hour = now.astimezone(ZONE).replace(minute=0, second=0, microsecond=0)
        for day in range(7):
            ServiceWindow.objects.create(
                organisation=self.p.org,
                weekday=day,
                starts_at=time(0),
                ends_at=time(0),
                min_seats=1,
            )
        Shift.objects.create(
            organisation=self.p.org,
            seat=self.p.seat,
            user=self.p.counsellor,
            starts_at=hour,
            ends_at=hour + timedelta(hours=3),
        )
        board = live_board(self.p.supervisor, now=now)
        self.assertEqual([s.user for s in board.shifts], [self.p.counsellor])
        self.assertEqual(board.next_gap.starts_at, hour + timedelta(hours=3))
        page = client_for(self.p.supervisor).get(PANEL)
        self.assertContains(page, 'data-testid="next-gap"')
        self.assertContains(page, (hour + timedelta(hours=3)).strftime("%H:%M"))

    def test_todays_volume_is_set_against_the_same_weekday_of_the_four_weeks_before(self):
        now = timezone.now()
        # Started within the current local hour whatever the clock says (30 s before 10:00:10
        # would be the hour before).
        hour_began = now.astimezone(ZONE).replace(minute=0, second=0, microsecond=0)
        start_contact(self.p.counsellor, started_at=max(now - timedelta(seconds=30), hour_began))
        for weeks, n in ((1, 2), (2, 4), (4, 2), (5, 100)):  # five weeks back does not count
            for _i in range(n):
                start_contact(self.p.counsellor, started_at=now - timedelta(weeks=weeks))
        start_contact(self.p.counsellor, started_at=now - timedelta(days=1))  # not that weekday
        volume = live_board(self.p.supervisor, now=now).volume
        hour = now.astimezone(ZONE).hour
        self.assertEqual(volume.today[hour], 1)
        self.assertEqual(volume.today_so_far, 1)
        self.assertEqual(volume.average[hour], 2.0)  # (2 + 4 + 0 + 2) / 4
        self.assertEqual(volume.average_day, 2.0)
        self.assertTrue(all(v is None for v in volume.today[hour + 1 :]))

    def test_call_data_is_shown_only_when_the_switch_reports_calls(self):
        page = client_for(self.p.supervisor).get(PANEL)
        self.assertContains(page, "无话务数据")
        now = timezone.now()
        for ref, kind, wait in (
            ("1", "offered", None),
            ("1", "answered", 8),
            ("2", "abandoned", 40),
        ):
            actions.do_record_call_event(
                actor=self.p.counsellor,
                call_ref=ref,
                kind=kind,
                occurred_at=now - timedelta(seconds=5),
                waited_seconds=wait,
            )
        page = client_for(self.p.supervisor).get(PANEL)
        self.assertNotContains(page, "无话务数据")
        self.assertContains(page, '<div class="fs-4 fw-bold" data-testid="answer-rate">50%</div>')
        self.assertContains(page, "平均等待 8 秒")


class BoardQueryTests(PersonaMixin, TestCase):
    def fill(self, n):
        seat = Seat.objects.create(organisation=self.p.org, code=f"B{n:02d}")
        now = timezone.now()
        for i in range(n):
            high_risk_contact(self.p.counsellor, seat=seat)
            Shift.objects.create(
                organisation=self.p.org,
                seat=seat,
                user=self.p.counsellor_b,
                starts_at=now - timedelta(hours=1, minutes=i),
                ends_at=now + timedelta(hours=1),
            )
            actions.do_record_call_event(
                actor=self.p.counsellor, call_ref=f"{n}-{i}", kind="answered", occurred_at=now
            )

    def test_the_polled_part_costs_the_same_few_statements_however_much_is_on(self):
        client = client_for(self.p.supervisor)
        client.get(PANEL)  # the session's first request writes its sign-in time
        self.fill(2)
        # Session and user, then: service hours, shifts of 14 days, contacts in progress, open
        # alerts, follow-ups, call events, shifts now, today's volume.
        with self.assertNumQueries(10):
            self.assertEqual(client.get(PANEL).status_code, 200)
        self.fill(20)  # past the lists' limits: one count each more
        with self.assertNumQueries(12):
            page = client.get(PANEL)
        self.assertContains(page, 'data-testid="board-contact"', count=15)
        self.assertContains(page, 'data-testid="board-alert"', count=8)
