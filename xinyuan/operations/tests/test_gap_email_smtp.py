"""The directors hear of coverage gaps by e-mail through Django's e-mail framework: here its
SMTP backend talks to a real SMTP server (aiosmtpd) that the test starts on 127.0.0.1."""

from __future__ import annotations

from datetime import time, timedelta

from aiosmtpd.controller import Controller
from django.test import TestCase, override_settings

from xinyuan.core.testing import PersonaMixin, make_user
from xinyuan.core.tests.smtp import Inbox, free_port
from xinyuan.operations.actions import rota
from xinyuan.operations.models import CoverageGapNotice
from xinyuan.operations.tests.factories import at, future_day, shift, trained


class CoverageGapEmailOverSmtpTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p.director.email = "director@example.org"
        cls.p.director.save()
        # Another director of the same centre (one e-mail each) and one of another centre
        # (nothing: their centre has no gap).
        cls.deputy = make_user("deputy", cls.p.org, "director", email="deputy@example.org")
        make_user("far_director", cls.p.other_org, "director", email="far@example.org")
        trained(cls.p.counsellor)
        cls.day = future_day(3)
        rota.do_add_service_window(
            actor=cls.p.director, weekday=cls.day.weekday(), starts_at=time(8),
            ends_at=time(12), min_seats=1,
        )  # fmt: skip
        shift(cls.p.seat, at(cls.day, 8), hours=3, user=cls.p.counsellor)  # 11–12 uncovered
        shift(cls.p.seat, at(cls.day + timedelta(days=7), 8), hours=4, user=cls.p.counsellor)

    def setUp(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.server = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.server.start()
        self.running = True
        self.addCleanup(self.stop_server)

    def stop_server(self):
        if self.running:
            self.server.stop()
            self.running = False

    def test_each_director_gets_one_email_per_new_gap_and_never_twice(self):
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_USE_TLS=False,
            EMAIL_TIMEOUT=10,
        ):
            self.assertEqual(rota.do_notify_coverage_gaps(), 2)
            self.assertEqual(rota.do_notify_coverage_gaps(), 0)
        self.assertEqual(len(self.inbox.messages), 2)
        recipients = sorted(r for rcpt, _m in self.inbox.messages for r in rcpt)
        self.assertEqual(recipients, ["deputy@example.org", "director@example.org"])
        _rcpt, message = self.inbox.messages[0]
        self.assertIn("在岗坐席不足", str(message["Subject"]))
        body = message.get_content()
        self.assertIn("11:00–12:00", body)
        self.assertIn("/operations/coverage/", body)
        self.assertEqual(CoverageGapNotice.objects.count(), 2)

    def test_a_refusing_mail_server_leaves_the_gap_to_the_next_sweep(self):
        self.stop_server()
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_TIMEOUT=2,
        ):
            with self.assertRaises(OSError):
                rota.do_notify_coverage_gaps()
        self.assertFalse(CoverageGapNotice.objects.exists(), "not told: tried again next time")
        self.server = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.server.start()
        self.running = True
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
        ):
            self.assertEqual(rota.do_notify_coverage_gaps(), 2)
        self.assertEqual(len(self.inbox.messages), 2)


class _RefusingOne(Inbox):
    """A mail server that refuses one recipient (a mistyped or closed mailbox)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == "director@example.org":
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class OneRefusedAddressTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The director (refused) comes first in the sweep; the deputy must still be told.
        make_user("deputy", cls.p.org, "director", email="deputy@example.org")
        cls.p.director.email = "director@example.org"
        cls.p.director.save()
        trained(cls.p.counsellor)
        day = future_day(3)
        rota.do_add_service_window(
            actor=cls.p.director, weekday=day.weekday(), starts_at=time(8),
            ends_at=time(12), min_seats=1,
        )  # fmt: skip
        shift(cls.p.seat, at(day, 8), hours=3, user=cls.p.counsellor)

    def test_a_refused_address_does_not_keep_the_others_from_being_told(self):
        from smtplib import SMTPRecipientsRefused

        from xinyuan.core.tests.smtp import smtp_settings, start_smtp

        inbox, port = start_smtp(self, _RefusingOne())
        with smtp_settings(port), self.assertLogs("xinyuan.operations.actions.rota", "ERROR"):
            with self.assertRaises(SMTPRecipientsRefused):
                rota.do_notify_coverage_gaps()
        self.assertEqual([rcpt for rcpt, _m in inbox.messages], [["deputy@example.org"]])
        self.assertEqual(
            list(CoverageGapNotice.objects.values_list("recipient__email", flat=True).distinct()),
            ["deputy@example.org"],
            "the refused one is tried again at the next sweep",
        )
