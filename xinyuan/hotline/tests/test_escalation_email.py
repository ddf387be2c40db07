"""An alert nobody takes is e-mailed to the centre's directors and supervisors when it is
escalated: through Django's SMTP backend to a real SMTP server (aiosmtpd) the test starts."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from xinyuan.core.testing import PersonaMixin, make_user
from xinyuan.core.tests.smtp import free_port, smtp_settings, start_smtp
from xinyuan.hotline import actions
from xinyuan.hotline.models import RiskAlert
from xinyuan.hotline.tests.factories import high_risk_contact

CALLER_NUMBER = "13912345678"


class EscalationEmailTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p.director.email = "director@example.org"
        cls.p.director.save()
        cls.p.supervisor.email = "duty@example.org"
        cls.p.supervisor.save()
        # A counsellor's address and another centre's director get nothing.
        cls.p.counsellor.email = "counsellor@example.org"
        cls.p.counsellor.save()
        make_user("far_director", cls.p.other_org, "director", email="far@example.org")

    def overdue_alert(self):
        contact = high_risk_contact(self.p.counsellor, caller_number=CALLER_NUMBER)
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=contact,
            version=contact.version,
            changes={"purpose": "不想活了，药已经准备好"},
        )
        alert = RiskAlert.objects.get(contact=contact)
        RiskAlert.objects.filter(pk=alert.pk).update(
            created_at=timezone.now() - timedelta(minutes=5)
        )
        return contact

    def test_the_escalation_is_mailed_once_to_the_alert_takers_with_no_caller_data(self):
        inbox, port = start_smtp(self)
        contact = self.overdue_alert()
        with smtp_settings(port), self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(actions.do_escalate_due_alerts(), 1)
        self.assertEqual(len(inbox.messages), 1)
        recipients, message = inbox.messages[0]
        self.assertEqual(sorted(recipients), ["director@example.org", "duty@example.org"])
        subject, body = str(message["Subject"]), message.get_content()
        self.assertIn("高危警报无人接手", subject)
        self.assertIn(contact.number, subject)
        self.assertIn(f"/contacts/{contact.public_id}/", body)
        self.assertIn("5 分钟", body)
        for secret in (CALLER_NUMBER, "药已经准备好"):
            self.assertNotIn(secret, subject + body)
        # Escalated once: a second sweep sends nothing more.
        with smtp_settings(port), self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(actions.do_escalate_due_alerts(), 0)
        self.assertEqual(len(inbox.messages), 1)

    def test_a_refusing_mail_server_changes_nothing_recorded(self):
        self.overdue_alert()
        dead = free_port()  # nothing listens there
        with (
            smtp_settings(dead, EMAIL_TIMEOUT=2),
            self.assertLogs("xinyuan.hotline.actions.escalation", "ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(actions.do_escalate_due_alerts(), 1)
        self.assertTrue(RiskAlert.objects.filter(escalated_at__isnull=False).exists())
