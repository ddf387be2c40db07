import io

from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase, TransactionTestCase

from xinyuan.audit.models import AuditEvent
from xinyuan.audit.triggers import lifted
from xinyuan.audit.verify import verify_chain
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


def run_verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


class AuditChainTests(PersonaMixin, TestCase):
    def setUp(self):
        high_risk_contact(self.p.counsellor, caller_number="13800001111")
        contact = start_contact(self.p.counsellor)
        actions.do_update_contact(
            actor=self.p.counsellor, contact=contact, version=1, changes={"goal": "睡好"}
        )
        self.events = list(AuditEvent.objects.order_by("sequence"))

    def test_events_are_linked_in_order(self):
        self.assertGreaterEqual(len(self.events), 5)
        for before, after in zip(self.events, self.events[1:], strict=False):
            self.assertEqual(after.sequence, before.sequence + 1)
            self.assertEqual(after.prev_hash, before.hash)
        code, out = run_verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"{len(self.events)} events verified", out)

    def test_the_database_refuses_to_change_or_delete_an_event(self):
        for attempt in (
            lambda: AuditEvent.objects.filter(pk=self.events[0].pk).update(reason="x"),
            lambda: AuditEvent.objects.filter(pk=self.events[0].pk).delete(),
        ):
            with self.assertRaises(DatabaseError), transaction.atomic():
                attempt()
        if connection.vendor == "postgresql":
            with self.assertRaises(DatabaseError), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("TRUNCATE audit_auditevent CASCADE")
        self.assertEqual(AuditEvent.objects.count(), len(self.events))

    def tamper(self, sql: str, params=()):
        with lifted(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    def test_a_changed_event_is_named(self):
        target = self.events[2]
        self.tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["改过", target.pk])
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn(f"#{target.sequence}", err)
        self.assertIn("content changed", err)

    def test_a_removed_event_is_named(self):
        target = self.events[1]
        self.tamper("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn(f"#{target.sequence}", err)
        self.assertIn("missing", err)

    def test_removing_the_last_events_is_detected(self):
        self.tamper("DELETE FROM audit_auditevent WHERE id = %s", [self.events[-1].pk])
        self.assertFalse(verify_chain().ok)

    def test_a_rehashed_forgery_breaks_the_next_link(self):
        # Someone changes an event and recomputes its hash: the next event's link breaks.
        from xinyuan.audit.chain import event_hash

        target = self.events[1]
        forged = event_hash(
            sequence=target.sequence,
            prev_hash=target.prev_hash,
            created_at=target.created_at,
            public_id=target.public_id,
            organisation_id=target.organisation_id,
            actor_id=target.actor_id,
            actor_role=target.actor_role,
            action="view",
            target_type=target.target_type,
            target_id=target.target_id,
            changes_json=target.changes_json,
            reason=target.reason,
            ip=target.ip,
            user_agent=target.user_agent,
        )
        self.tamper(
            "UPDATE audit_auditevent SET action = 'view', hash = %s WHERE id = %s",
            [forged, target.pk],
        )
        result = verify_chain()
        self.assertFalse(result.ok)
        self.assertEqual(result.sequence, target.sequence + 1)


class AuditChainEdgeTests(PersonaMixin, TestCase):
    def test_ipv4_mapped_addresses_and_whole_seconds_verify(self):
        from datetime import UTC, datetime

        from django.db import transaction

        from xinyuan.audit.actions import clear_request_context, record, set_request_context

        for ip in ("::ffff:10.0.0.5", "2001:db8::1", "10.0.0.5"):
            set_request_context(ip, "test-agent")
            with transaction.atomic():
                event = record(actor=self.p.counsellor, action="view", target=self.p.counsellor)
        clear_request_context()
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).ip, "10.0.0.5")
        self.assertEqual(
            AuditEvent.objects.filter(ip="::ffff:10.0.0.5").count(), 1, "stored as Django cleans it"
        )
        whole = datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)
        with transaction.atomic():
            event = record(actor=self.p.counsellor, action="view", target=self.p.counsellor)
        self.assertTrue(verify_chain().ok)
        # A whole-second time (no microseconds) must verify too: rewrite one and re-hash it.
        from xinyuan.audit.chain import event_hash
        from xinyuan.audit.models import AuditChainHead

        with lifted(), connection.cursor() as cursor:
            e = AuditEvent.objects.get(pk=event.pk)
            e.created_at = whole
            digest = event_hash(
                sequence=e.sequence, prev_hash=e.prev_hash, created_at=whole,
                public_id=e.public_id, organisation_id=e.organisation_id, actor_id=e.actor_id,
                actor_role=e.actor_role, action=e.action, target_type=e.target_type,
                target_id=e.target_id, changes_json=e.changes_json, reason=e.reason, ip=e.ip,
                user_agent=e.user_agent,
            )  # fmt: skip
            AuditEvent.objects.filter(pk=e.pk).update(created_at=whole, hash=digest)
            AuditChainHead.objects.filter(pk=1).update(last_hash=digest)
        del cursor
        result = verify_chain()
        self.assertTrue(result.ok, result.problem)


class ParallelVerificationTests(TransactionTestCase):
    """Stretches verified in separate processes must find exactly what one walk finds (on
    PostgreSQL the processes really run; an in-memory SQLite database verifies in one)."""

    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def setUp(self):
        from unittest import mock

        from xinyuan.core.testing import make_personas

        patcher = mock.patch("xinyuan.audit.verify.PARALLEL_FROM", 10)
        patcher.start()
        self.addCleanup(patcher.stop)
        p = make_personas()
        for _ in range(8):
            start_contact(p.counsellor)
        self.events = list(AuditEvent.objects.order_by("sequence"))
        self.assertGreaterEqual(len(self.events), 8)

    def test_an_intact_chain_verifies_in_stretches(self):
        result = verify_chain(workers=3)
        self.assertTrue(result.ok, result.problem)
        self.assertEqual(result.checked, len(self.events))

    def test_a_change_in_a_later_stretch_is_named(self):
        target = self.events[-3]
        with lifted(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [target.pk])
        result = verify_chain(workers=3)
        self.assertFalse(result.ok)
        self.assertEqual((result.sequence, result.problem), (target.sequence, "content changed"))

    def test_a_removed_event_at_any_place_is_named(self):
        target = self.events[len(self.events) // 3]
        with lifted(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
        result = verify_chain(workers=3)
        self.assertFalse(result.ok)
        self.assertEqual(result.sequence, target.sequence)
