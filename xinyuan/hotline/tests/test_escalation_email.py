"""An alert nobody takes is e-mailed to the centre's directors and supervisors when it is
escalated: by the task worker, never inside the request that escalates it (the counsellor's
page polls during the call), at most once per alert, and again later if the mail server
refused. Through Django's SMTP backend to a real SMTP server (aiosmtpd) the test starts."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
    make_user,
)
from xinyuan.core.tests.smtp import free_port, smtp_settings, start_smtp
from xinyuan.hotline import actions
from xinyuan.hotline.actions.escalation_mail import EMAIL_RETRY_EVERY, EMAIL_RETRY_FOR
from xinyuan.hotline.mail_tasks import email_escalations
from xinyuan.hotline.models import RiskAlert
from xinyuan.hotline.tests.factories import high_risk_contact

CALLER_NUMBER = "13912345678"


def give_addresses(p) -> None:
    p.director.email = "director@example.org"
    p.director.save()
    p.supervisor.email = "duty@example.org"
    p.supervisor.save()
    # A counsellor's address and another centre's director get nothing.
    p.counsellor.email = "counsellor@example.org"
    p.counsellor.save()
    make_user("far_director", p.other_org, "director", email="far@example.org")


def overdue_alert(counsellor):
    contact = high_risk_contact(counsellor, caller_number=CALLER_NUMBER)
    actions.do_update_contact(
        actor=counsellor,
        contact=contact,
        version=contact.version,
        changes={"purpose": "不想活了，药已经准备好"},
    )
    RiskAlert.objects.filter(contact=contact).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    return contact


def email_tasks():
    return DBTaskResult.objects.filter(task_path=email_escalations.module_path).order_by(
        "enqueued_at"
    )


def run(queued: DBTaskResult) -> int:
    """Run a queued task as the worker does (its stored arguments)."""
    return queued.task.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])


class EscalationEmailTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        give_addresses(cls.p)

    def test_the_poll_that_escalates_sends_nothing_and_queues_the_e_mail(self):
        inbox, port = start_smtp(self)
        contact = overdue_alert(self.p.counsellor)
        url = f"/contacts/{contact.public_id}/alert-status/"
        with smtp_settings(port), self.captureOnCommitCallbacks(execute=True):
            response = client_for(self.p.counsellor).get(url)
        self.assertContains(response, 'data-testid="alert-escalated"')
        self.assertEqual(inbox.messages, [], "the request itself sends no e-mail")
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNotNone(alert.escalated_at)
        self.assertIsNone(alert.emailed_at)
        queued = email_tasks().get()
        self.assertEqual(queued.args_kwargs["args"], [[alert.pk]])
        self.assertEqual(queued.status, "READY")

    def test_the_task_mails_the_alert_takers_once_with_no_caller_data(self):
        inbox, port = start_smtp(self)
        contact = overdue_alert(self.p.counsellor)
        self.assertEqual(actions.do_escalate_due_alerts(), 1)
        queued = email_tasks().get()
        with smtp_settings(port):
            self.assertEqual(run(queued), 1)
        self.assertEqual(len(inbox.messages), 1, "one message, one copy per recipient")
        recipients, message = inbox.messages[0]
        self.assertEqual(sorted(recipients), ["director@example.org", "duty@example.org"])
        subject, body = str(message["Subject"]), message.get_content()
        self.assertIn("高危警报无人接手", subject)
        self.assertIn(contact.number, subject)
        self.assertIn(f"/contacts/{contact.public_id}/", body)
        self.assertIn("5 分钟", body)
        for secret in (CALLER_NUMBER, "药已经准备好"):
            self.assertNotIn(secret, subject + body)
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNotNone(alert.emailed_at)
        event = AuditEvent.objects.get(action="email_escalation")
        self.assertEqual(event.changes, {"recipients": 2})
        # Run again (a worker killed after sending, its task re-queued): nothing more.
        with smtp_settings(port):
            self.assertEqual(run(queued), 0)
            self.assertEqual(email_escalations.call([alert.pk]), 0)
        self.assertEqual(len(inbox.messages), 1)
        # A second sweep escalates nothing, so queues nothing.
        self.assertEqual(actions.do_escalate_due_alerts(), 0)
        self.assertEqual(email_tasks().count(), 1)

    def test_a_refusing_mail_server_leaves_the_e_mail_to_a_later_try(self):
        contact = overdue_alert(self.p.counsellor)
        self.assertEqual(actions.do_escalate_due_alerts(), 1)
        first = email_tasks().get()
        dead = free_port()  # nothing listens there
        with (
            smtp_settings(dead, EMAIL_TIMEOUT=2),
            self.assertLogs("xinyuan.hotline.actions.escalation_mail", "ERROR"),
        ):
            self.assertEqual(run(first), 0)
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNotNone(alert.escalated_at, "the escalation stands")
        self.assertIsNone(alert.emailed_at, "not sent: still to send")
        self.assertFalse(AuditEvent.objects.filter(action="email_escalation").exists())
        retry = email_tasks().exclude(pk=first.pk).get()
        self.assertEqual(retry.args_kwargs["args"], [[alert.pk]])
        self.assertAlmostEqual(
            retry.run_after, timezone.now() + EMAIL_RETRY_EVERY, delta=timedelta(seconds=30)
        )
        # The server is back: the retry sends it, once.
        inbox, port = start_smtp(self)
        with smtp_settings(port):
            self.assertEqual(run(retry), 1)
            self.assertEqual(run(retry), 0)
        self.assertEqual(len(inbox.messages), 1)
        self.assertEqual(email_tasks().count(), 2, "no retry once sent")

    def test_no_retry_once_taken_or_too_old(self):
        inbox, port = start_smtp(self)
        taken = overdue_alert(self.p.counsellor)
        old = overdue_alert(self.p.counsellor)
        self.assertEqual(actions.do_escalate_due_alerts(), 2)
        queued = email_tasks().get()
        actions.do_acknowledge_alert(
            actor=self.p.supervisor, alert=RiskAlert.objects.get(contact=taken)
        )
        RiskAlert.objects.filter(contact=old).update(
            escalated_at=timezone.now() - EMAIL_RETRY_FOR - timedelta(minutes=1)
        )
        with smtp_settings(port):
            self.assertEqual(run(queued), 0, "taken meanwhile, or escalated too long ago")
        self.assertEqual(inbox.messages, [])
        self.assertEqual(email_tasks().count(), 1, "nothing to retry")


class EscalationEmailTransactionTests(ProductionTransactionTestCase):
    """As in production: no transaction around the test, each action opens its own."""

    def setUp(self):
        super().setUp()
        self.p = make_personas()
        give_addresses(self.p)

    def test_the_escalation_and_its_e_mail_task_commit_together(self):
        inbox, port = start_smtp(self)
        contact = overdue_alert(self.p.counsellor)
        url = f"/contacts/{contact.public_id}/alert-status/"
        with smtp_settings(port):
            response = client_for(self.p.counsellor).get(url)
        self.assertContains(response, 'data-testid="alert-escalated"')
        self.assertEqual(inbox.messages, [], "the request itself sends no e-mail")
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNotNone(alert.escalated_at)
        queued = email_tasks().get()
        self.assertEqual(queued.args_kwargs["args"], [[alert.pk]])
        # The worker runs it: one message; re-queued as after a killed worker, nothing more.
        with smtp_settings(port):
            call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
        queued.refresh_from_db()
        self.assertEqual((queued.status, queued.return_value), ("SUCCESSFUL", 1))
        self.assertEqual(len(inbox.messages), 1)
        # As requeue_stale_tasks does for a task whose worker was killed before marking it.
        DBTaskResult.objects.filter(pk=queued.pk).update(status="READY")
        with smtp_settings(port):
            call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
        queued.refresh_from_db()
        self.assertEqual((queued.status, queued.return_value), ("SUCCESSFUL", 0))
        self.assertEqual(len(inbox.messages), 1)

    def test_an_escalation_rolled_back_queues_no_e_mail(self):
        contact = overdue_alert(self.p.counsellor)

        class Abort(Exception):
            pass

        with self.assertRaises(Abort), transaction.atomic():
            self.assertEqual(actions.do_escalate_due_alerts(), 1)
            self.assertEqual(email_tasks().count(), 1, "queued inside the transaction")
            raise Abort
        self.assertIsNone(RiskAlert.objects.get(contact=contact).escalated_at)
        self.assertFalse(email_tasks().exists())


class EscalatedAtRaiseEmailTests(PersonaMixin, TestCase):
    """With nobody on duty, or for a risk to others, the alert is escalated as it is raised —
    and e-mailed then, by the worker, in the same words' spirit: nothing the caller said."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        give_addresses(cls.p)

    def test_a_high_risk_alert_with_nobody_on_duty_is_e_mailed_at_once(self):
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(organisation=self.p.org).update(is_on_duty=False)
        inbox, port = start_smtp(self)
        contact = high_risk_contact(self.p.counsellor, caller_number=CALLER_NUMBER)
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNotNone(alert.escalated_at, "escalated as it was raised")
        queued = email_tasks().get()
        self.assertEqual(queued.args_kwargs["args"], [[alert.pk]])
        self.assertEqual(inbox.messages, [], "queued, not sent in the request")
        with smtp_settings(port):
            self.assertEqual(run(queued), 1)
        recipients, message = inbox.messages[0]
        self.assertEqual(sorted(recipients), ["director@example.org", "duty@example.org"])
        subject, body = str(message["Subject"]), message.get_content()
        self.assertIn("无督导在岗", subject)
        self.assertIn("已立即通知中心主任和全体督导", body)
        self.assertNotIn(CALLER_NUMBER, subject + body)

    def test_an_alert_raised_with_a_supervisor_on_duty_is_not_e_mailed_before_it_waits(self):
        high_risk_contact(self.p.counsellor)
        self.assertFalse(email_tasks().exists())

    def test_a_risk_to_others_is_e_mailed_at_once_with_its_own_words(self):
        inbox, port = start_smtp(self)
        contact = high_risk_contact(self.p.counsellor)
        alert = actions.do_raise_alert(
            actor=self.p.counsellor, contact=contact, level="high", kind="public_safety"
        )
        queued = email_tasks().get(args_kwargs__args=[[alert.pk]])
        with smtp_settings(port):
            self.assertEqual(run(queued), 1)
        subject = str(inbox.messages[0][1]["Subject"])
        self.assertIn("危及他人安全", subject)
