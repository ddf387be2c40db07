"""Appending takes no lock that every request shares; only the sealer serialises itself.

Real transactions in threads (TransactionTestCase: each thread has its own connection, and
commits are real). Waiting is bounded, and blocking is observed from PostgreSQL itself (a
backend waiting on a lock), never inferred from time.
"""

from __future__ import annotations

import threading
import time
import unittest
from unittest import mock

from django.db import connection, connections, transaction
from django.test import TransactionTestCase
from django.urls import reverse

from xinyuan.audit import actions as audit_actions
from xinyuan.audit.models import AuditEvent, AuditSeal
from xinyuan.audit.sealing import seal_pending
from xinyuan.audit.triggers import lifted
from xinyuan.audit.verify import verify_chain
from xinyuan.core.testing import client_for, make_personas
from xinyuan.hotline.tests.factories import start_contact

BOUND = 60  # seconds: only a bound on a hung test, never a measure of speed


def _waiting_on_a_lock() -> int:
    """Backends of this database waiting for a lock right now."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


class _Thread(threading.Thread):
    """A thread that closes its own database connection and keeps its exception."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self._target_fn, self.error = target, None

    def run(self):
        try:
            self._target_fn()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connections.close_all()


class LockFreeTests(TransactionTestCase):
    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def setUp(self):
        self.p = make_personas()

    @unittest.skipUnless(
        connection.vendor == "postgresql",
        "SQLite serialises writers by design: one write transaction at a time",
    )
    def test_audited_requests_of_two_centres_do_not_wait_for_each_other(self):
        # (f) Centre A's supervisor opens a contact: the request's audit event is inserted and
        # its transaction held open. Meanwhile centre B's supervisor opens one of B's contacts.
        contact_a = start_contact(self.p.counsellor)
        contact_b = start_contact(self.p.outsider)
        inserted, release = threading.Event(), threading.Event()
        real_record = audit_actions.record
        holder: list[threading.Thread] = []

        def record_then_hold(**kwargs):
            event = real_record(**kwargs)
            if holder and threading.current_thread() is holder[0]:
                inserted.set()
                release.wait(BOUND)
            return event

        responses: dict[str, int] = {}

        def open_contact(name, user, contact):
            def run():
                url = reverse("hotline:contact-detail", args=[contact.public_id])
                responses[name] = client_for(user).get(url).status_code

            return run

        with mock.patch.object(audit_actions, "record", side_effect=record_then_hold):
            a = _Thread(open_contact("a", self.p.supervisor, contact_a))
            holder.append(a)
            a.start()
            self.assertTrue(inserted.wait(BOUND), "request A did not reach its audit insert")
            b = _Thread(open_contact("b", self.p.outsider_supervisor, contact_b))
            b.start()
            blocked = False
            deadline = time.monotonic() + BOUND
            while b.is_alive() and time.monotonic() < deadline:
                if _waiting_on_a_lock():
                    blocked = True
                    break
                b.join(0.05)
            release.set()
            a.join(BOUND)
            b.join(BOUND)
        self.assertFalse(blocked, "request B waited for a lock held by request A")
        self.assertIsNone(a.error)
        self.assertIsNone(b.error)
        self.assertEqual(responses, {"a": 200, "b": 200})
        viewed = AuditEvent.objects.filter(action="view").order_by("id")
        self.assertEqual(
            [e.target_id for e in viewed], [contact_a.public_id, contact_b.public_id],
            "A took the lower id, B committed first",
        )  # fmt: skip

    @unittest.skipUnless(
        connection.vendor == "postgresql",
        "on SQLite writers commit one at a time, so ids are committed in order",
    )
    def test_events_committed_out_of_id_order_are_all_sealed(self):
        # (e) A takes the lower id and commits after B; the sealer runs in between.
        inserted, release = threading.Event(), threading.Event()
        early: list[AuditEvent] = []

        def slow():
            with transaction.atomic():
                early.append(
                    audit_actions.record(
                        actor=self.p.counsellor, action="view", target=self.p.counsellor
                    )
                )
                inserted.set()
                release.wait(BOUND)

        a = _Thread(slow)
        a.start()
        self.assertTrue(inserted.wait(BOUND))
        with transaction.atomic():
            late = audit_actions.record(
                actor=self.p.outsider, action="view", target=self.p.outsider
            )
        self.assertLess(early[0].pk, late.pk)
        self.assertEqual(seal_pending().sealed, 1)
        self.assertTrue(AuditSeal.objects.filter(event=late).exists())
        release.set()
        a.join(BOUND)
        self.assertIsNone(a.error)
        self.assertEqual(seal_pending().sealed, 1, "the lower id, committed later, is sealed")
        self.assertFalse(AuditEvent.objects.filter(seal__isnull=True).exists())
        self.assertEqual(
            list(AuditSeal.objects.order_by("sequence").values_list("event_id", flat=True))[-2:],
            [late.pk, early[0].pk],
            "sealed in the order they became visible",
        )
        result = verify_chain(strict=True)
        self.assertTrue(result.ok, result.problems)


class SealerTests(TransactionTestCase):
    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    @unittest.skipUnless(
        connection.vendor == "postgresql",
        "SQLite serialises writers: the test's in-memory database cannot hold two at once",
    )
    def test_two_sealers_at_once_seal_each_event_once(self):
        p = make_personas()
        for _ in range(6):
            start_contact(p.counsellor)
        events = AuditEvent.objects.count()
        start = threading.Barrier(2)
        reports = []

        def sealer():
            start.wait(BOUND)
            reports.append(seal_pending(batch_size=3))

        threads = [_Thread(sealer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(BOUND)
        self.assertEqual([t.error for t in threads], [None, None])
        self.assertEqual(sum(r.sealed for r in reports), events)
        self.assertEqual(
            list(AuditSeal.objects.order_by("sequence").values_list("sequence", flat=True)),
            list(range(1, events + 1)),
        )
        result = verify_chain(strict=True)
        self.assertTrue(result.ok, result.problems)
