"""The rota's actions as production runs them (no wrapping transaction): a change and its
audit event commit together; a refusal or a failed e-mail leaves nothing behind."""

from __future__ import annotations

import socket
from datetime import time

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings

from xinyuan.accounts.models import User
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import ProductionTransactionTestCase, make_personas
from xinyuan.operations.actions import rota
from xinyuan.operations.models import CoverageGapNotice, Shift
from xinyuan.operations.tests.factories import at, future_day, shift, trained


class RotaTransactionTests(ProductionTransactionTestCase):
    def setUp(self):
        self.p = make_personas()
        trained(self.p.counsellor)
        self.day = future_day(2)

    def test_a_sign_up_commits_with_its_audit_event_and_a_refusal_leaves_nothing(self):
        self.assertFalse(connection.in_atomic_block)
        first = shift(self.p.seat, at(self.day, 8))
        rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=first)
        self.assertEqual(Shift.objects.get(pk=first.pk).user_id, self.p.counsellor.pk)
        self.assertTrue(AuditEvent.objects.filter(target_id=first.public_id).exists())
        overlapping = shift(self.p.seat, at(self.day, 10))
        events = AuditEvent.objects.count()
        with self.assertRaises(ValidationError):
            rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=overlapping)
        self.assertIsNone(Shift.objects.get(pk=overlapping.pk).user_id)
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_a_failed_email_rolls_back_the_notice_and_its_audit_event(self):
        User.objects.filter(pk=self.p.director.pk).update(email="director@example.org")
        rota.do_add_service_window(
            actor=self.p.director, weekday=self.day.weekday(), starts_at=time(8),
            ends_at=time(12), min_seats=1,
        )  # fmt: skip
        events = AuditEvent.objects.count()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]  # nothing listens there once closed
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=closed_port,
            EMAIL_TIMEOUT=2,
        ):
            with self.assertRaises(OSError):
                rota.do_notify_coverage_gaps()
        self.assertFalse(CoverageGapNotice.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), events)
