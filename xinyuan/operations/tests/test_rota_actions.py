"""The rota's actions: who may do what, what is refused (in the user's words), what is
audited, and that swaps and substitutions change the rota only once approved."""

from __future__ import annotations

from datetime import time, timedelta

from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone, translation

from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline.models import Seat
from xinyuan.operations.actions import rota
from xinyuan.operations.models import (
    CoverageGapNotice,
    ServiceWindow,
    Shift,
    ShiftRequestKind,
    ShiftRequestStatus,
    ShiftTemplate,
    TrainingTopic,
)
from xinyuan.operations.tests.factories import at, future_day, shift, trained


def messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class ServiceHoursActionTests(PersonaMixin, TestCase):
    def add(self, actor=None, **kwargs):
        values = {"weekday": 0, "starts_at": time(8), "ends_at": time(22), "min_seats": 2}
        values.update(kwargs)
        return rota.do_add_service_window(actor=actor or self.p.director, **values)

    def test_the_director_sets_hours_and_the_change_is_audited(self):
        window = self.add()
        self.assertEqual(window.organisation_id, self.p.org.pk)
        self.assertTrue(AuditEvent.objects.filter(target_id=window.public_id).exists())

    def test_fewer_than_one_seat_is_refused_in_chinese(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            self.add(min_seats=0)
        self.assertIn("至少", messages_of(caught.exception))
        self.assertFalse(ServiceWindow.objects.exists())

    def test_overlapping_hours_are_refused_naming_the_window_already_set(self):
        self.add()
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            self.add(starts_at=time(20), ends_at=time(0))
        text = messages_of(caught.exception)
        self.assertIn("重叠", text)
        self.assertIn("08:00–22:00", text)
        # Touching is not overlapping; another weekday is free.
        self.add(starts_at=time(22), ends_at=time(0), min_seats=1)
        self.add(weekday=1, starts_at=time(0), ends_at=time(0))
        self.assertEqual(ServiceWindow.objects.count(), 3)

    def test_an_end_before_the_start_is_refused(self):
        with self.assertRaises(ValidationError):
            self.add(starts_at=time(22), ends_at=time(8))

    def test_the_24_hour_preset_replaces_every_window(self):
        self.add()
        rota.do_set_round_the_clock(actor=self.p.director, min_seats=3)
        windows = list(ServiceWindow.objects.filter(organisation=self.p.org))
        self.assertEqual(len(windows), 7)
        self.assertTrue(all(w.starts_at == w.ends_at == time(0) for w in windows))
        self.assertEqual({w.min_seats for w in windows}, {3})

    def test_a_supervisor_or_counsellor_only_reads_the_hours(self):
        for user in (self.p.supervisor, self.p.counsellor, self.p.outsider):
            with self.subTest(user=user.username), self.assertRaises(PermissionDeniedError):
                self.add(actor=user)


class RosteringTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        trained(cls.p.counsellor, cls.p.counsellor_b, cls.p.supervisor)
        cls.seat_b = Seat.objects.create(organisation=cls.p.org, code="A02")
        cls.day = future_day()

    def test_a_trained_counsellor_signs_up_for_an_open_shift(self):
        open_shift = shift(self.p.seat, at(self.day, 8))
        rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=open_shift)
        open_shift.refresh_from_db()
        self.assertEqual(open_shift.user, self.p.counsellor)
        event = AuditEvent.objects.get(target_id=open_shift.public_id, action="sign_up")
        self.assertEqual(event.actor, self.p.counsellor)

    def test_missing_or_expired_training_is_refused_naming_the_topics(self):
        untrained = self.p.director  # no record at all
        open_shift = shift(self.p.seat, at(self.day, 8))
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            rota.do_assign_shift(actor=self.p.supervisor, shift=open_shift, person=untrained)
        text = messages_of(caught.exception)
        self.assertIn("必修培训", text)
        with translation.override("zh-hans"):
            self.assertIn(str(TrainingTopic.CRISIS.label), text)

        # One topic expired before the shift's day: only that topic is named.
        from xinyuan.core.testing import make_user

        lapsed = make_user("lapsed", self.p.org, "counsellor", alias="11号")
        trained(lapsed, skip=(TrainingTopic.ETHICS,))
        trained_ethics_expired = lapsed
        from xinyuan.operations.models import TrainingRecord

        TrainingRecord.objects.create(
            organisation=self.p.org, user=lapsed, topic=TrainingTopic.ETHICS, hours=2,
            completed_on=self.day - timedelta(days=400), expires_on=self.day - timedelta(days=1),
        )  # fmt: skip
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            rota.do_sign_up_for_shift(actor=trained_ethics_expired, shift=open_shift)
        text = messages_of(caught.exception)
        with translation.override("zh-hans"):
            self.assertIn(str(TrainingTopic.ETHICS.label), text)
            self.assertNotIn(str(TrainingTopic.CRISIS.label), text)
        open_shift.refresh_from_db()
        self.assertIsNone(open_shift.user)

    def test_someone_already_on_an_overlapping_shift_is_refused(self):
        shift(self.p.seat, at(self.day, 8), hours=6, user=self.p.counsellor)
        overlapping = shift(self.seat_b, at(self.day, 12))
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=overlapping)
        self.assertIn("已在", messages_of(caught.exception))
        # Back to back is fine.
        after = shift(self.seat_b, at(self.day, 14))
        rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=after)

    def test_a_shift_that_has_begun_is_not_changed(self):
        begun = shift(self.p.seat, timezone.now() - timedelta(hours=1))
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=begun)
        self.assertIn("已开始", messages_of(caught.exception))
        with self.assertRaises(ValidationError):
            rota.do_assign_shift(actor=self.p.supervisor, shift=begun, person=self.p.counsellor)

    def test_only_supervisors_and_directors_assign_and_never_another_centres_shift(self):
        open_shift = shift(self.p.seat, at(self.day, 8))
        with self.assertRaises(PermissionDeniedError):
            rota.do_assign_shift(
                actor=self.p.counsellor, shift=open_shift, person=self.p.counsellor
            )
        with self.assertRaises(PermissionDeniedError):
            rota.do_assign_shift(
                actor=self.p.outsider_supervisor, shift=open_shift, person=self.p.counsellor
            )
        rota.do_assign_shift(actor=self.p.supervisor, shift=open_shift, person=self.p.counsellor)
        self.assertTrue(AuditEvent.objects.filter(target_id=open_shift.public_id, action="assign"))

    def test_a_taken_shift_cannot_be_signed_up_for(self):
        taken = shift(self.p.seat, at(self.day, 8), user=self.p.counsellor)
        with self.assertRaises(ValidationError):
            rota.do_sign_up_for_shift(actor=self.p.counsellor_b, shift=taken)

    def test_a_new_shift_for_an_untrained_person_is_refused(self):
        with self.assertRaises(ValidationError):
            rota.do_add_shift(
                actor=self.p.supervisor, seat=self.p.seat, starts_at=at(self.day, 8),
                ends_at=at(self.day, 12), person=self.p.director,
            )  # fmt: skip
        made = rota.do_add_shift(
            actor=self.p.supervisor, seat=self.p.seat, starts_at=at(self.day, 8),
            ends_at=at(self.day, 12), person=None,
        )  # fmt: skip
        self.assertIsNone(made.user)


class TemplateTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        trained(cls.p.counsellor)

    def test_applying_the_templates_twice_makes_each_shift_once(self):
        week = timezone.localdate() + timedelta(days=7)
        for day in range(7):
            rota.do_add_shift_template(
                actor=self.p.supervisor, weekday=day, starts_at=time(8), ends_at=time(16),
                seat=self.p.seat, default_user=self.p.counsellor,
            )  # fmt: skip
        # A night shift past midnight, and the untrained director as its usual person.
        rota.do_add_shift_template(
            actor=self.p.supervisor, weekday=2, starts_at=time(22), ends_at=time(6),
            seat=self.p.seat, default_user=self.p.director,
        )  # fmt: skip
        made, notes = rota.do_apply_shift_templates(actor=self.p.supervisor, week_of=week)
        self.assertEqual(len(made), 8)
        night = next(s for s in made if timezone.localtime(s.starts_at).hour == 22)
        self.assertEqual(night.ends_at - night.starts_at, timedelta(hours=8))
        self.assertIsNone(night.user, "the untrained usual person leaves the shift open")
        self.assertEqual(len(notes), 1)
        again, _notes = rota.do_apply_shift_templates(actor=self.p.supervisor, week_of=week)
        self.assertEqual(again, [])
        self.assertEqual(Shift.objects.count(), 8)
        self.assertEqual(AuditEvent.objects.filter(action="apply_shift_templates").count(), 2)
        first = AuditEvent.objects.filter(action="apply_shift_templates").order_by("pk").first()
        listed = first.changes["shifts"]
        self.assertEqual(len(listed), 8, "the trail names every shift made")
        self.assertIn({"shift": str(night.public_id), "user": None}, [
            {"shift": item["shift"], "user": item["user"]} for item in listed
        ])  # fmt: skip
        self.assertEqual(
            sum(1 for item in listed if item["user"] == self.p.counsellor.work_name), 7
        )

    def test_a_counsellor_cannot_manage_templates(self):
        with self.assertRaises(PermissionDeniedError):
            rota.do_add_shift_template(
                actor=self.p.counsellor, weekday=0, starts_at=time(8), ends_at=time(16),
                seat=self.p.seat,
            )  # fmt: skip
        self.assertFalse(ShiftTemplate.objects.exists())


class SwapAndSubstitutionTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        trained(cls.p.counsellor, cls.p.counsellor_b)
        cls.day = future_day(3)

    def setUp(self):
        self.mine = shift(self.p.seat, at(self.day, 8), user=self.p.counsellor)
        self.theirs = shift(self.p.seat, at(self.day, 14), user=self.p.counsellor_b)

    def test_a_swap_changes_the_rota_only_once_approved(self):
        request = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SWAP,
            other_shift=self.theirs,
        )  # fmt: skip
        self.assertEqual(request.colleague, self.p.counsellor_b)
        with self.assertRaises(PermissionDeniedError):
            rota.do_accept_shift_request(actor=self.p.counsellor, request=request)
        rota.do_accept_shift_request(actor=self.p.counsellor_b, request=request)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.user, self.p.counsellor, "not yet approved")
        with self.assertRaises(PermissionDeniedError):
            rota.do_decide_shift_request(actor=self.p.counsellor_b, request=request, approve=True)
        rota.do_decide_shift_request(actor=self.p.supervisor, request=request, approve=True)
        self.mine.refresh_from_db()
        self.theirs.refresh_from_db()
        self.assertEqual(self.mine.user, self.p.counsellor_b)
        self.assertEqual(self.theirs.user, self.p.counsellor)
        request.refresh_from_db()
        self.assertEqual(request.status, ShiftRequestStatus.APPROVED)
        actions = list(
            AuditEvent.objects.filter(target_id=request.public_id)
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["ask", "accept", "approve"])

    def test_a_supervisor_cannot_approve_a_substitution_they_take_themselves(self):
        trained(self.p.supervisor)
        request = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE,
            colleague=self.p.supervisor,
        )  # fmt: skip
        rota.do_accept_shift_request(actor=self.p.supervisor, request=request)
        with self.assertRaises(PermissionDeniedError):
            rota.do_decide_shift_request(actor=self.p.supervisor, request=request, approve=True)
        rota.do_decide_shift_request(actor=self.p.director, request=request, approve=True)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.user, self.p.supervisor)

    def test_an_open_substitution_goes_to_whoever_accepts(self):
        request = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE
        )
        self.theirs.delete()
        rota.do_accept_shift_request(actor=self.p.counsellor_b, request=request)
        rota.do_decide_shift_request(actor=self.p.director, request=request, approve=True)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.user, self.p.counsellor_b)

    def test_a_substitute_missing_training_is_refused_when_asked_and_when_accepting(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            rota.do_ask_shift_change(
                actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE,
                colleague=self.p.supervisor,
            )  # fmt: skip
        self.assertIn("必修培训", messages_of(caught.exception))
        request = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE
        )
        with self.assertRaises(ValidationError):
            rota.do_accept_shift_request(actor=self.p.supervisor, request=request)
        request.refresh_from_db()
        self.assertEqual(request.status, ShiftRequestStatus.ASKED)

    def test_a_substitute_already_on_shift_then_is_refused_at_approval(self):
        request = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE,
            colleague=self.p.counsellor_b,
        )  # fmt: skip
        rota.do_accept_shift_request(actor=self.p.counsellor_b, request=request)
        # Meanwhile counsellor_b was put on an overlapping shift.
        other_seat = Seat.objects.create(organisation=self.p.org, code="A09")
        shift(other_seat, at(self.day, 9), user=self.p.counsellor_b)
        with self.assertRaises(ValidationError):
            rota.do_decide_shift_request(actor=self.p.supervisor, request=request, approve=True)
        self.mine.refresh_from_db()
        self.assertEqual(self.mine.user, self.p.counsellor)

    def test_only_ones_own_shift_is_offered_and_only_once(self):
        with self.assertRaises(PermissionDeniedError):
            rota.do_ask_shift_change(
                actor=self.p.counsellor_b, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE
            )
        rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE
        )
        with self.assertRaises(ValidationError):
            rota.do_ask_shift_change(
                actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE
            )

    def test_decline_and_withdraw(self):
        request = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE,
            colleague=self.p.counsellor_b,
        )  # fmt: skip
        rota.do_decline_shift_request(actor=self.p.counsellor_b, request=request)
        request.refresh_from_db()
        self.assertEqual(request.status, ShiftRequestStatus.DECLINED)
        again = rota.do_ask_shift_change(
            actor=self.p.counsellor, shift=self.mine, kind=ShiftRequestKind.SUBSTITUTE
        )
        rota.do_withdraw_shift_request(actor=self.p.counsellor, request=again)
        again.refresh_from_db()
        self.assertEqual(again.status, ShiftRequestStatus.WITHDRAWN)


class CoverageGapNoticeTests(PersonaMixin, TestCase):
    """The sweep (locmem mail here; a real SMTP server in test_gap_email_smtp)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p.director.email = "director@example.org"
        cls.p.director.save()
        trained(cls.p.counsellor)
        cls.day = future_day(2)
        rota.do_add_service_window(
            actor=cls.p.director, weekday=cls.day.weekday(), starts_at=time(8),
            ends_at=time(12), min_seats=1,
        )  # fmt: skip

    def setUp(self):
        # The same weekday a week later is within the 14 days too: staffed.
        shift(self.p.seat, at(self.day + timedelta(days=7), 8), hours=4, user=self.p.counsellor)

    def test_each_gap_hour_is_told_once_grouped_by_day(self):
        first = shift(self.p.seat, at(self.day, 8), hours=2, user=self.p.counsellor)
        # 10–12 uncovered
        with translation.override("en"):
            self.assertEqual(rota.do_notify_coverage_gaps(), 1)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["director@example.org"])
        self.assertIn("10:00–12:00", message.body)
        self.assertEqual(CoverageGapNotice.objects.count(), 2)
        self.assertEqual(rota.do_notify_coverage_gaps(), 0, "nothing new: no second e-mail")
        self.assertEqual(len(mail.outbox), 1)
        # A new gap (the 8–10 shift is opened again) is told; the old ones are not repeated.
        Shift.objects.filter(pk=first.pk).update(user=None)
        self.assertEqual(rota.do_notify_coverage_gaps(), 1)
        self.assertIn("08:00–10:00", mail.outbox[1].body)
        self.assertNotIn("10:00–12:00", mail.outbox[1].body)
        self.assertEqual(AuditEvent.objects.filter(action="notify_coverage_gaps").count(), 2)

    def test_no_gap_no_mail_and_never_another_centres_director(self):
        shift(self.p.seat, at(self.day, 8), hours=4, user=self.p.counsellor)
        self.assertEqual(rota.do_notify_coverage_gaps(), 0)
        self.assertEqual(mail.outbox, [])


class GapSweepTaskTests(PersonaMixin, TestCase):
    """The worker's sweep (django-tasks) e-mails the gaps and queues the next sweep, once."""

    def test_the_sweep_mails_and_requeues_itself_once(self):
        from django.core.management import call_command
        from django_tasks_db.models import DBTaskResult

        from xinyuan.operations.tasks import notify_coverage_gaps, queue_gap_sweep

        type(self.p.director).objects.filter(pk=self.p.director.pk).update(
            email="director@example.org"
        )
        rota.do_set_round_the_clock(actor=self.p.director, min_seats=2)  # all gaps: no shifts
        self.assertTrue(queue_gap_sweep())
        self.assertFalse(queue_gap_sweep(), "one waiting is enough (restarts add none)")
        DBTaskResult.objects.all().delete()
        self.assertEqual(notify_coverage_gaps.call(), 1)
        self.assertEqual(len(mail.outbox), 1)
        waiting = DBTaskResult.objects.filter(task_path=notify_coverage_gaps.module_path)
        self.assertEqual(waiting.count(), 1, "the next sweep is queued")
        # The command (cron's way) finds nothing new to tell.
        from io import StringIO

        out = StringIO()
        call_command("notify_coverage_gaps", stdout=out)
        self.assertIn("Sent 0", out.getvalue())
        self.assertEqual(len(mail.outbox), 1)
