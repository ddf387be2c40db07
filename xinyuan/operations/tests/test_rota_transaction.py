"""The rota's actions as production runs them (no wrapping transaction): a change and its
audit event commit together; a refusal or a failed e-mail leaves nothing behind."""

from __future__ import annotations

import socket
import threading
from datetime import time
from unittest import skipUnless

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


@skipUnless(connection.vendor == "postgresql", "row locks: PostgreSQL (SQLite runs one writer)")
class RotaRaceTests(ProductionTransactionTestCase):
    """Two rota changes for one person at the same moment: the second waits for the first and
    then sees its shift, so nobody is put on two overlapping shifts."""

    def setUp(self):
        self.p = make_personas()
        trained(self.p.counsellor)
        self.day = future_day(2)

    def test_two_sign_ups_for_overlapping_shifts_at_once_give_one(self):
        from django.db import close_old_connections, transaction

        first = shift(self.p.seat, at(self.day, 8))
        second = shift(self.p.seat, at(self.day, 10))
        signed_up = threading.Event()
        release = threading.Event()
        outcome: dict[str, object] = {}

        def slow_first():
            try:
                with transaction.atomic():
                    rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=first)
                    signed_up.set()
                    release.wait(10)  # the first's transaction stays open meanwhile
            finally:
                close_old_connections()

        def second_sign_up():
            try:
                rota.do_sign_up_for_shift(actor=self.p.counsellor, shift=second)
                outcome["second"] = "signed up"
            except ValidationError as exc:
                outcome["second"] = exc.messages
            finally:
                close_old_connections()

        one = threading.Thread(target=slow_first)
        one.start()
        self.assertTrue(signed_up.wait(10))
        two = threading.Thread(target=second_sign_up)
        two.start()
        two.join(0.5)
        self.assertTrue(two.is_alive(), "the second waits for the person's row")
        release.set()
        one.join(10)
        two.join(10)
        self.assertIn("有班次", " ".join(outcome["second"]))  # type: ignore[arg-type]
        self.assertEqual(
            list(Shift.objects.filter(user=self.p.counsellor).values_list("pk", flat=True)),
            [first.pk],
        )

    def test_applying_the_templates_twice_at_once_makes_each_shift_once(self):
        from django.db import close_old_connections

        rota.do_add_shift_template(
            actor=self.p.director, seat=self.p.seat, weekday=self.day.weekday(),
            starts_at=time(8), ends_at=time(12),
        )  # fmt: skip
        results: list[object] = []

        def apply():
            try:
                results.append(
                    len(rota.do_apply_shift_templates(actor=self.p.director, week_of=self.day)[0])
                )
            except Exception as exc:  # noqa: BLE001 - the test reports what went wrong
                results.append(exc)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=apply) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        self.assertEqual(sorted(results), [0, 1])  # type: ignore[type-var]
        self.assertEqual(Shift.objects.filter(seat=self.p.seat).count(), 1)

    def test_the_same_shift_twice_by_hand_is_refused_with_a_message(self):
        rota.do_add_shift(
            actor=self.p.director, seat=self.p.seat,
            starts_at=at(self.day, 8), ends_at=at(self.day, 12),
        )  # fmt: skip
        with self.assertRaises(ValidationError) as refused:
            rota.do_add_shift(
                actor=self.p.director, seat=self.p.seat,
                starts_at=at(self.day, 8), ends_at=at(self.day, 12),
            )  # fmt: skip
        self.assertIn("A01", refused.exception.messages[0])
        self.assertEqual(Shift.objects.filter(seat=self.p.seat).count(), 1)
