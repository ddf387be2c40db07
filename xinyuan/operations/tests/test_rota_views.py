"""The rota's pages: what each role sees and may do, bad input kept, another centre refused,
and a fixed number of statements however full the week is."""

from __future__ import annotations

from datetime import time, timedelta

from django.test import TestCase
from django.utils import timezone

from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.models import Seat
from xinyuan.operations.actions import rota
from xinyuan.operations.models import ServiceWindow, Shift, ShiftRequestKind
from xinyuan.operations.tests.factories import at, future_day, shift, trained

SERVICE_HOURS = "/operations/service-hours/"
WEEK = "/operations/rota/"
COVERAGE = "/operations/coverage/"


class ServiceHoursPageTests(PersonaMixin, TestCase):
    def test_the_director_adds_hours_and_is_warned_below_the_guide(self):
        response = client_for(self.p.director).post(
            SERVICE_HOURS,
            {
                "do": "add",
                "weekday": "0",
                "starts_at": "08:00",
                "ends_at": "00:00",
                "min_seats": "1",
            },
            follow=True,
        )
        html = response.content.decode()
        self.assertIn("已添加服务时段", html)
        self.assertIn("指南要求每个服务时段至少有 2 个坐席", html)
        self.assertEqual(ServiceWindow.objects.get().min_seats, 1)

    def test_an_overlap_is_refused_and_what_was_typed_is_kept(self):
        director = client_for(self.p.director)
        director.post(
            SERVICE_HOURS,
            {
                "do": "add",
                "weekday": "2",
                "starts_at": "08:00",
                "ends_at": "22:00",
                "min_seats": "2",
            },
        )
        response = director.post(
            SERVICE_HOURS,
            {
                "do": "add",
                "weekday": "2",
                "starts_at": "21:00",
                "ends_at": "23:30",
                "min_seats": "3",
            },
        )
        self.assertEqual(response.status_code, 422)
        html = response.content.decode()
        self.assertIn("重叠", html)
        self.assertIn('value="23:30"', html)
        self.assertIn('value="3"', html)
        self.assertEqual(ServiceWindow.objects.count(), 1)

    def test_the_24_hour_preset(self):
        client_for(self.p.director).post(SERVICE_HOURS, {"do": "preset", "min_seats": "2"})
        self.assertEqual(ServiceWindow.objects.filter(organisation=self.p.org).count(), 7)

    def test_a_supervisor_reads_but_cannot_edit(self):
        supervisor = client_for(self.p.supervisor)
        self.assertEqual(supervisor.get(SERVICE_HOURS).status_code, 200)
        self.assertNotContains(supervisor.get(SERVICE_HOURS), 'data-testid="window-form"')
        response = supervisor.post(
            SERVICE_HOURS,
            {
                "do": "add",
                "weekday": "0",
                "starts_at": "08:00",
                "ends_at": "22:00",
                "min_seats": "2",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ServiceWindow.objects.exists())

    def test_an_outsider_sees_only_their_own_centres_hours(self):
        rota.do_set_round_the_clock(actor=self.p.director, min_seats=2)
        html = client_for(self.p.outsider).get(SERVICE_HOURS).content.decode()
        self.assertIn("尚未设置服务时段", html)


class WeekRotaPageTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        trained(cls.p.counsellor, cls.p.counsellor_b)
        cls.day = future_day(2)

    def fill_week(self, seats: int, per_seat: int, prefix: str = "S"):
        """``seats`` seats with ``per_seat`` shifts each in the week of ``self.day``."""
        monday = self.day - timedelta(days=self.day.weekday())
        for n in range(seats):
            seat = Seat.objects.create(organisation=self.p.org, code=f"{prefix}{n:02}")
            for k in range(per_seat):
                user = (self.p.counsellor, self.p.counsellor_b, None)[k % 3]
                shift(seat, at(monday + timedelta(days=k % 7), 8 + (k // 7) * 4), 3, user=user)

    def test_the_week_shows_seats_days_names_and_open_shifts(self):
        shift(self.p.seat, at(self.day, 8), user=self.p.counsellor)
        shift(self.p.seat, at(self.day, 14))
        html = client_for(self.p.counsellor_b).get(WEEK, {"week": self.day.isoformat()}).content
        html = html.decode()
        self.assertIn("07号", html)
        self.assertIn("空缺", html)
        self.assertIn("认领", html, "a counsellor may sign up for the open shift")
        self.assertNotIn("生成班次", html, "but not build the rota")

    def test_the_week_costs_the_same_statements_however_full(self):
        supervisor = client_for(self.p.supervisor)
        self.fill_week(1, 2)
        supervisor.get(WEEK, {"week": self.day.isoformat()})  # warm up
        with self.assertNumQueries(9):
            self.assertEqual(supervisor.get(WEEK, {"week": self.day.isoformat()}).status_code, 200)
        self.fill_week(4, 12, prefix="T")
        with self.assertNumQueries(9):
            supervisor.get(WEEK, {"week": self.day.isoformat()})

    def test_sign_up_refused_for_missing_training_says_which(self):
        open_shift = shift(self.p.seat, at(self.day, 8))
        response = client_for(self.p.supervisor).post(
            f"/operations/rota/shifts/{open_shift.public_id}/sign-up/", follow=True
        )
        html = response.content.decode()
        self.assertIn("必修培训", html)
        self.assertIn("伦理与保密", html)
        open_shift.refresh_from_db()
        self.assertIsNone(open_shift.user)

    def test_sign_up_assign_and_a_substitution_through_the_pages(self):
        open_shift = shift(self.p.seat, at(self.day, 8))
        counsellor = client_for(self.p.counsellor)
        counsellor.post(f"/operations/rota/shifts/{open_shift.public_id}/sign-up/")
        open_shift.refresh_from_db()
        self.assertEqual(open_shift.user, self.p.counsellor)
        counsellor.post(
            f"/operations/rota/shifts/{open_shift.public_id}/ask/",
            {"kind": ShiftRequestKind.SUBSTITUTE, "colleague": str(self.p.counsellor_b.public_id)},
        )
        request = open_shift.requests.get()
        client_for(self.p.counsellor_b).post(
            f"/operations/rota/requests/{request.public_id}/", {"answer": "accept"}
        )
        client_for(self.p.supervisor).post(
            f"/operations/rota/requests/{request.public_id}/", {"answer": "approve"}
        )
        open_shift.refresh_from_db()
        self.assertEqual(open_shift.user, self.p.counsellor_b)
        # The supervisor opens it again, then assigns the first counsellor.
        supervisor = client_for(self.p.supervisor)
        supervisor.post(f"/operations/rota/shifts/{open_shift.public_id}/assign/", {"person": ""})
        open_shift.refresh_from_db()
        self.assertIsNone(open_shift.user)
        supervisor.post(
            f"/operations/rota/shifts/{open_shift.public_id}/assign/",
            {"person": str(self.p.counsellor.public_id)},
        )
        open_shift.refresh_from_db()
        self.assertEqual(open_shift.user, self.p.counsellor)

    def test_templates_applied_from_the_page(self):
        supervisor = client_for(self.p.supervisor)
        response = supervisor.post(
            "/operations/rota/templates/",
            {"weekday": str(self.day.weekday()), "starts_at": "08:00", "ends_at": "16:00",
             "seat": "A01", "default_user": str(self.p.counsellor.public_id)},
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        supervisor.post("/operations/rota/apply/", {"week": self.day.isoformat()})
        supervisor.post("/operations/rota/apply/", {"week": self.day.isoformat()})
        made = Shift.objects.get()
        self.assertEqual(made.user, self.p.counsellor)

    def test_a_bad_template_keeps_what_was_typed(self):
        response = client_for(self.p.supervisor).post(
            "/operations/rota/templates/",
            {"weekday": "1", "starts_at": "25:00", "ends_at": "16:00", "seat": "A01"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="25:00"', status_code=422)

    def test_another_centres_shift_is_not_found(self):
        open_shift = shift(self.p.seat, at(self.day, 8))
        for url in (
            f"/operations/rota/shifts/{open_shift.public_id}/sign-up/",
            f"/operations/rota/shifts/{open_shift.public_id}/ask/",
        ):
            with self.subTest(url=url):
                self.assertEqual(client_for(self.p.outsider).post(url).status_code, 404)
        response = client_for(self.p.outsider_supervisor).post(
            f"/operations/rota/shifts/{open_shift.public_id}/assign/",
            {"person": str(self.p.outsider.public_id)},
        )
        self.assertEqual(response.status_code, 404)
        html = client_for(self.p.outsider).get(WEEK, {"week": self.day.isoformat()}).content
        self.assertNotIn(str(open_shift.public_id), html.decode())


class CoveragePageTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        trained(cls.p.counsellor)
        cls.day = future_day(2)
        rota.do_add_service_window(
            actor=cls.p.director, weekday=cls.day.weekday(), starts_at=time(8),
            ends_at=time(12), min_seats=1,
        )  # fmt: skip

    def test_gaps_are_red_with_required_and_staffed_and_the_next_gap_on_top(self):
        shift(self.p.seat, at(self.day, 8), hours=2, user=self.p.counsellor)
        director = client_for(self.p.director)
        with self.assertNumQueries(5):  # session, user, the centre (navbar), windows, shifts
            response = director.get(COVERAGE)
        html = response.content.decode()
        self.assertIn('data-testid="next-gap"', html)
        self.assertIn(f"{self.day:%Y-%m-%d} 10:00", html)
        # 10–12 this week and 8–12 the same weekday next week: 6 gap hours.
        self.assertEqual(html.count('data-gap="1"'), 6)
        self.assertIn(">0/1<", html)
        self.assertIn(">1/1<", html)
        # More shifts cost no more statements.
        for k in range(10):
            shift(self.p.seat, at(self.day + timedelta(days=1), 0) + timedelta(hours=k), 1)
        with self.assertNumQueries(5):
            director.get(COVERAGE)

    def test_a_shift_left_to_someone_deactivated_or_on_a_retired_seat_is_a_gap(self):
        from xinyuan.accounts.models import User
        from xinyuan.operations import selectors

        shift(self.p.seat, at(self.day, 8), hours=4, user=self.p.counsellor)
        start = at(self.day, 8)

        def gap_hours() -> int:
            return sum(h.is_gap for h in selectors.coverage_for(self.p.org.pk, start, days=1))

        self.assertEqual(gap_hours(), 0)
        User.objects.filter(pk=self.p.counsellor.pk).update(is_active=False)
        self.assertEqual(gap_hours(), 4, "a deactivated person staffs nothing")
        User.objects.filter(pk=self.p.counsellor.pk).update(is_active=True)
        Seat.objects.filter(pk=self.p.seat.pk).update(is_active=False)
        self.assertEqual(gap_hours(), 4, "a retired seat is staffed by nobody")
        self.assertFalse(selectors.shifts_now(self.p.org.pk, at(self.day, 9)).exists())

    def test_the_director_sees_the_gap_count_on_the_workstation(self):
        html = client_for(self.p.director).get("/workstation/").content.decode()
        self.assertIn('data-testid="coverage-notice"', html)
        self.assertIn("未来14天有 8 个小时在岗坐席不足", html)
        self.assertIn(COVERAGE, html)
        counsellor = client_for(self.p.counsellor).get("/workstation/").content.decode()
        self.assertNotIn('data-testid="coverage-notice"', counsellor)

    def test_an_outsider_sees_their_own_centre_only(self):
        html = client_for(self.p.outsider).get(COVERAGE).content.decode()
        self.assertIn('data-testid="no-gap"', html)
        self.assertEqual(client_for(self.p.auditor).get(COVERAGE).status_code, 403)

    def test_now_is_at_the_top_of_the_first_row(self):
        html = client_for(self.p.director).get(COVERAGE).content.decode()
        today = timezone.localdate()
        self.assertIn(f"{today:%m-%d}", html)
