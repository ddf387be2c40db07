"""Follow-up reminders (HL-06): the rule, the sweep, reading them, and how they are queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import SimpleTestCase, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from xinyuan.audit.models import AuditEvent
from xinyuan.audit.verify import verify_chain
from xinyuan.cases import rules
from xinyuan.cases.actions.reminders import (
    do_mark_reminder_read,
    do_send_follow_up_reminders,
    reminder_lead,
)
from xinyuan.cases.models import FollowUp, FollowUpReminder, FollowUpStatus, ReminderKind
from xinyuan.cases.selectors import open_reminders, reminders_visible_to
from xinyuan.cases.tasks import send_follow_up_reminders
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.core.worker import requeue_stale_tasks
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.tests.factories import high_risk_contact

DUE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)
NOTHING: frozenset[str] = frozenset()
SOON = frozenset({rules.DUE_SOON})
LATE = frozenset({rules.OVERDUE, rules.ESCALATED})


class ReminderRuleTests(SimpleTestCase):
    def test_the_reminders_due_at_each_moment_around_the_lead_time_and_the_due_time(self):
        lead = 2 * HOUR
        table = [
            # now relative to due_at, what the follow-up should have by then
            (-24 * HOUR, NOTHING),
            (-lead - TICK, NOTHING),  # just before the lead time: nothing yet
            (-lead, SOON),  # the lead time is inclusive
            (-HOUR, SOON),
            (-TICK, SOON),
            (timedelta(0), SOON),  # due this instant: not overdue yet
            (TICK, LATE),  # overdue: the counsellor again, and the supervisors
            (HOUR, LATE),
            (30 * 24 * HOUR, LATE),
        ]
        for offset, expected in table:
            with self.subTest(offset=offset):
                self.assertEqual(rules.reminders_due(DUE, DUE + offset, lead), expected)

    def test_with_no_lead_time_the_counsellor_is_reminded_only_at_the_due_moment(self):
        self.assertEqual(rules.reminders_due(DUE, DUE - TICK, timedelta(0)), NOTHING)
        self.assertEqual(rules.reminders_due(DUE, DUE, timedelta(0)), SOON)
        self.assertEqual(rules.reminders_due(DUE, DUE + TICK, timedelta(0)), LATE)

    def test_the_default_lead_time_is_two_hours(self):
        self.assertEqual(reminder_lead(), 2 * HOUR)

    @given(
        lead_minutes=st.integers(min_value=0, max_value=48 * 60),
        earlier=st.integers(min_value=-72 * 3600, max_value=72 * 3600),
        later=st.integers(min_value=-72 * 3600, max_value=72 * 3600),
    )
    def test_reminders_only_move_forward_and_escalation_comes_with_overdue(
        self, lead_minutes, earlier, later
    ):
        lead = timedelta(minutes=lead_minutes)
        order = {NOTHING: 0, SOON: 1, LATE: 2}
        first, second = sorted((earlier, later))
        a = rules.reminders_due(DUE, DUE + timedelta(seconds=first), lead)
        b = rules.reminders_due(DUE, DUE + timedelta(seconds=second), lead)
        self.assertLessEqual(order[a], order[b])
        self.assertEqual(
            rules.ESCALATED in b, rules.is_overdue(DUE, DUE + timedelta(seconds=second))
        )


class ReminderSweepTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13700000001")
        self.follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        self.due = self.follow_up.due_at

    def kinds(self, follow_up=None) -> set[str]:
        follow_up = follow_up or self.follow_up
        return set(
            FollowUpReminder.objects.filter(follow_up=follow_up).values_list("kind", flat=True)
        )

    def reminder_events(self):
        return AuditEvent.objects.filter(target_type="cases.followupreminder", action="create")

    def test_nothing_is_sent_before_the_lead_time(self):
        sweep = do_send_follow_up_reminders(now=self.due - 3 * HOUR)
        self.assertEqual((sweep.follow_ups, sweep.created), (0, 0))
        self.assertEqual(self.kinds(), set())

    def test_a_follow_up_coming_due_reminds_its_counsellor_once(self):
        first = do_send_follow_up_reminders(now=self.due - HOUR)
        again = do_send_follow_up_reminders(now=self.due - HOUR / 2)
        self.assertEqual(first.created, 1)
        self.assertEqual((again.follow_ups, again.created), (0, 0))
        reminder = FollowUpReminder.objects.get(follow_up=self.follow_up)
        self.assertEqual(reminder.kind, ReminderKind.DUE_SOON)
        self.assertEqual(reminder.recipient, self.p.counsellor)
        self.assertEqual(reminder.organisation, self.p.org)
        self.assertEqual(reminder.rule_version, rules.REMINDER_RULE_VERSION)

    def test_an_overdue_follow_up_reminds_the_counsellor_again_and_escalates(self):
        do_send_follow_up_reminders(now=self.due - HOUR)
        late = do_send_follow_up_reminders(now=self.due + timedelta(minutes=1))
        self.assertEqual(late.created, 2)
        self.assertEqual(self.kinds(), {"due_soon", "overdue", "escalated"})
        escalated = FollowUpReminder.objects.get(follow_up=self.follow_up, kind="escalated")
        self.assertIsNone(escalated.recipient, "addressed to the supervisors, not one person")
        self.assertEqual(do_send_follow_up_reminders(now=self.due + HOUR).created, 0)

    def test_a_follow_up_first_seen_overdue_gets_no_late_due_soon_reminder(self):
        do_send_follow_up_reminders(now=self.due + HOUR)
        self.assertEqual(self.kinds(), {"overdue", "escalated"})

    def test_a_follow_up_recorded_or_cancelled_gets_no_reminder(self):
        FollowUp.objects.filter(pk=self.follow_up.pk).update(status=FollowUpStatus.CANCELLED)
        self.assertEqual(do_send_follow_up_reminders(now=self.due + HOUR).created, 0)

    def test_each_reminder_is_audited_as_a_system_event_of_the_organisation(self):
        do_send_follow_up_reminders(now=self.due + HOUR)
        events = list(self.reminder_events())
        self.assertEqual(len(events), 2)
        by_target = {e.target_id: e for e in events}
        for reminder in FollowUpReminder.objects.filter(follow_up=self.follow_up):
            event = by_target[reminder.public_id]
            self.assertIsNone(event.actor)
            self.assertEqual(event.organisation_id, self.p.org.pk)
            self.assertEqual(event.changes["kind"], reminder.kind)
            self.assertEqual(event.changes["follow_up"], str(self.follow_up.public_id))
        self.assertTrue(verify_chain().ok)

    def test_a_sweep_cut_off_midway_keeps_whole_follow_ups_and_the_next_run_completes_it(self):
        second = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        FollowUp.objects.filter(pk=second.pk).update(due_at=self.due + HOUR)
        from xinyuan.audit import actions as audit_actions

        real_record = audit_actions.record
        calls = {"n": 0}

        def crash_on_the_third_event(**kwargs):
            calls["n"] += 1
            if calls["n"] == 3:  # the first reminder of the second follow-up
                raise RuntimeError("the worker died")
            return real_record(**kwargs)

        late = self.due + 2 * HOUR
        with mock.patch("xinyuan.cases.actions.reminders.record", crash_on_the_third_event):
            with self.assertRaises(RuntimeError):
                do_send_follow_up_reminders(now=late)
        self.assertEqual(self.kinds(), {"overdue", "escalated"}, "the first one is whole")
        self.assertEqual(self.kinds(second), set(), "the second one rolled back whole")
        self.assertEqual(self.reminder_events().count(), 2, "no audit event without its reminder")
        self.assertEqual(do_send_follow_up_reminders(now=late).created, 2)
        self.assertEqual(self.kinds(second), {"overdue", "escalated"})
        self.assertEqual(self.reminder_events().count(), FollowUpReminder.objects.count())
        self.assertTrue(verify_chain().ok)

    def test_the_database_refuses_a_second_reminder_of_the_same_kind(self):
        do_send_follow_up_reminders(now=self.due - HOUR)
        with self.assertRaises(IntegrityError), transaction.atomic():
            FollowUpReminder.objects.create(
                organisation=self.p.org,
                follow_up=self.follow_up,
                kind=ReminderKind.DUE_SOON,
                recipient=self.p.counsellor,
                rule_version=rules.REMINDER_RULE_VERSION,
            )

    def test_reminders_stay_in_the_follow_ups_organisation(self):
        theirs = do_book_follow_up(
            actor=self.p.outsider,
            contact=high_risk_contact(self.p.outsider, caller_number="13700000002"),
            consent_given=True,
        )
        do_send_follow_up_reminders(now=max(self.due, theirs.due_at) + HOUR)
        for reminder in FollowUpReminder.objects.all():
            self.assertEqual(reminder.organisation_id, reminder.follow_up.organisation_id)
        ours = FollowUpReminder.objects.filter(follow_up=self.follow_up)
        other = FollowUpReminder.objects.filter(follow_up=theirs)
        self.assertEqual(
            set(reminders_visible_to(self.p.counsellor)), set(ours.exclude(kind="escalated"))
        )
        self.assertEqual(set(reminders_visible_to(self.p.supervisor)), {ours.get(kind="escalated")})
        self.assertEqual(set(reminders_visible_to(self.p.director)), {ours.get(kind="escalated")})
        self.assertEqual(
            set(reminders_visible_to(self.p.outsider_supervisor)), {other.get(kind="escalated")}
        )
        self.assertEqual(
            set(reminders_visible_to(self.p.outsider)), set(other.exclude(kind="escalated"))
        )
        for nobody in (self.p.counsellor_b, self.p.auditor, self.p.admin, self.p.officer):
            self.assertFalse(reminders_visible_to(nobody).exists(), nobody.username)


class ReadingRemindersTests(PersonaMixin, TestCase):
    def setUp(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13700000003")
        self.follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=contact, consent_given=True
        )
        do_send_follow_up_reminders(now=self.follow_up.due_at + HOUR)
        self.mine = FollowUpReminder.objects.get(kind="overdue")
        self.escalated = FollowUpReminder.objects.get(kind="escalated")

    def test_the_recipient_marks_a_reminder_read_once_and_it_is_audited(self):
        do_mark_reminder_read(actor=self.p.counsellor, reminder=self.mine)
        do_mark_reminder_read(actor=self.p.counsellor, reminder=self.mine)
        self.mine.refresh_from_db()
        self.assertIsNotNone(self.mine.read_at)
        self.assertEqual(self.mine.read_by, self.p.counsellor)
        events = AuditEvent.objects.filter(target_id=self.mine.public_id, action="update")
        self.assertEqual(events.count(), 1)
        self.assertEqual(events.get().actor, self.p.counsellor)
        self.assertNotIn(self.mine, open_reminders(self.p.counsellor))

    def test_only_the_recipient_or_the_centres_supervisors_may_mark_it_read(self):
        for actor, reminder in (
            (self.p.counsellor_b, self.mine),
            (self.p.supervisor, self.mine),
            (self.p.counsellor, self.escalated),
            (self.p.outsider_supervisor, self.escalated),
            (self.p.auditor, self.escalated),
        ):
            with self.subTest(actor=actor.username, kind=reminder.kind):
                with self.assertRaises(PermissionDeniedError):
                    do_mark_reminder_read(actor=actor, reminder=reminder)
        do_mark_reminder_read(actor=self.p.supervisor, reminder=self.escalated)
        self.assertFalse(open_reminders(self.p.director).exists(), "read for every supervisor")

    def test_the_workstation_lists_the_counsellors_reminders_with_a_link_to_the_follow_up(self):
        response = client_for(self.p.counsellor).get(reverse("hotline:workstation"))
        self.assertContains(response, 'data-testid="reminder"', count=1)
        self.assertContains(
            response, reverse("hotline:follow-up-record", args=[self.follow_up.public_id])
        )
        self.assertContains(response, reverse("cases:reminder-read", args=[self.mine.public_id]))
        other = client_for(self.p.counsellor_b).get(reverse("hotline:workstation"))
        self.assertNotContains(other, 'data-testid="reminders"')

    def test_supervisors_see_the_escalation_on_their_workstation(self):
        response = client_for(self.p.supervisor).get(reverse("hotline:workstation"))
        self.assertContains(
            response, reverse("cases:reminder-read", args=[self.escalated.public_id])
        )
        self.assertNotContains(response, str(self.mine.public_id))
        outsider = client_for(self.p.outsider_supervisor).get(reverse("hotline:workstation"))
        self.assertNotContains(outsider, 'data-testid="reminders"')

    def test_marking_read_from_the_workstation_removes_it_from_the_list(self):
        client = client_for(self.p.counsellor)
        response = client.post(reverse("cases:reminder-read", args=[self.mine.public_id]))
        self.assertRedirects(response, reverse("hotline:workstation"))
        self.assertNotContains(client.get(reverse("hotline:workstation")), 'data-testid="reminder"')

    def test_another_centre_cannot_reach_a_reminder(self):
        response = client_for(self.p.outsider).post(
            reverse("cases:reminder-read", args=[self.mine.public_id])
        )
        self.assertEqual(response.status_code, 404)
        self.mine.refresh_from_db()
        self.assertIsNone(self.mine.read_at)

    def test_a_reminder_of_a_recorded_follow_up_leaves_the_list(self):
        FollowUp.objects.filter(pk=self.follow_up.pk).update(status=FollowUpStatus.DONE)
        self.assertFalse(open_reminders(self.p.counsellor).exists())

    def test_the_workstation_does_not_query_per_reminder(self):
        client = client_for(self.p.supervisor)
        client.get(reverse("hotline:workstation"))  # warm the session

        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(client.get(reverse("hotline:workstation")).status_code, 200)
            return len(ctx.captured_queries)

        one = queries()
        for n in range(4):
            contact = high_risk_contact(self.p.counsellor_b, caller_number=f"1370000010{n}")
            do_book_follow_up(actor=self.p.counsellor_b, contact=contact, consent_given=True)
        do_send_follow_up_reminders(now=self.follow_up.due_at + 2 * HOUR)
        self.assertEqual(open_reminders(self.p.supervisor).count(), 5)
        self.assertEqual(queries(), one)


class QueueingTests(PersonaMixin, TestCase):
    def test_booking_a_follow_up_queues_the_sweep_for_when_it_comes_due_and_is_overdue(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13700000004")
        follow_up = do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        queued = DBTaskResult.objects.filter(task_path=send_follow_up_reminders.module_path)
        self.assertEqual(
            sorted(queued.values_list("run_after", flat=True)),
            [follow_up.due_at - reminder_lead(), follow_up.due_at + timedelta(seconds=1)],
        )
        self.assertTrue(all(t.status == TaskResultStatus.READY for t in queued))

    def test_a_booking_that_fails_queues_nothing(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13700000005")
        with self.assertRaises(Exception):  # noqa: B017 - any refusal
            do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=False)
        reminders = DBTaskResult.objects.filter(task_path=send_follow_up_reminders.module_path)
        self.assertFalse(reminders.exists())

    def test_the_task_runs_the_sweep_and_returns_its_counts(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13700000006")
        follow_up = do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - HOUR)
        self.assertEqual(send_follow_up_reminders.call(), {"follow_ups": 1, "created": 2})
        self.assertEqual(send_follow_up_reminders.call(), {"follow_ups": 0, "created": 0})

    def test_the_cron_command_runs_the_sweep_or_queues_it(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13700000007")
        follow_up = do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() + HOUR)
        out = StringIO()
        call_command("send_follow_up_reminders", stdout=out)
        self.assertIn("Created 1 reminders for 1 follow-ups", out.getvalue())
        DBTaskResult.objects.all().delete()
        call_command("send_follow_up_reminders", "--enqueue", stdout=StringIO())
        queued = DBTaskResult.objects.get()
        self.assertEqual(queued.task_path, send_follow_up_reminders.module_path)
        self.assertEqual(queued.status, TaskResultStatus.READY)


class StaleTaskTests(TestCase):
    def task(self, status: str, started_minutes_ago: float | None) -> DBTaskResult:
        now = timezone.now()
        return DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path=send_follow_up_reminders.module_path,
            backend_name="default",
            run_after=now,
            status=status,
            started_at=None
            if started_minutes_ago is None
            else now - timedelta(minutes=started_minutes_ago),
            worker_ids=["dead-worker"],
        )

    def test_a_task_left_running_by_a_dead_worker_goes_back_to_the_queue(self):
        dead = self.task(TaskResultStatus.RUNNING, 45)
        busy = self.task(TaskResultStatus.RUNNING, 5)
        done = self.task(TaskResultStatus.SUCCESSFUL, 120)
        ready = self.task(TaskResultStatus.READY, None)
        out = StringIO()
        call_command("requeue_stale_tasks", stdout=out)  # default: running for over 30 minutes
        self.assertIn("Requeued 1 stale tasks.", out.getvalue())
        statuses = {t.pk: t.status for t in DBTaskResult.objects.all()}
        self.assertEqual(statuses[dead.pk], TaskResultStatus.READY)
        self.assertEqual(statuses[busy.pk], TaskResultStatus.RUNNING)
        self.assertEqual(statuses[done.pk], TaskResultStatus.SUCCESSFUL)
        self.assertEqual(statuses[ready.pk], TaskResultStatus.READY)
        self.assertIn(dead.pk, DBTaskResult.objects.ready().values_list("pk", flat=True))
        self.assertEqual(requeue_stale_tasks(older_than=timedelta(0)), [str(busy.pk)])
