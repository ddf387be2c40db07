"""The sealed audit log: one INSERT to append, sealed by the sealer with a key the database does
not hold, and verify_audit catching what someone who holds the database can do."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta
from unittest import mock

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from xinyuan.audit import checkpoints
from xinyuan.audit.actions import clear_request_context, record, set_request_context
from xinyuan.audit.chain import checkpoint_message
from xinyuan.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from xinyuan.audit.sealing import seal_pending
from xinyuan.audit.tests import attacker
from xinyuan.audit.triggers import lifted
from xinyuan.audit.verify import verify_chain
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


def run_verify(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", "--workers", "1", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def seed(n: int = 32) -> str:
    return base64.b64encode(bytes([n]) * 32).decode()


def public_of(seed_text: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_text))
    return checkpoints.public_key_text(key.public_key())


class SealedLogTests(PersonaMixin, TestCase):
    """Three sealing runs, so three checkpoints, each also in the checkpoint file."""

    def setUp(self):
        high_risk_contact(self.p.counsellor, caller_number="13800001111")
        seal_pending()
        contact = start_contact(self.p.counsellor)
        actions.do_update_contact(
            actor=self.p.counsellor, contact=contact, version=1, changes={"goal": "睡好"}
        )
        seal_pending()
        start_contact(self.p.counsellor)
        seal_pending()
        self.seals = list(AuditSeal.objects.select_related("event").order_by("sequence"))
        self.checkpoints = list(AuditCheckpoint.objects.order_by("sequence"))

    def test_an_untouched_log_verifies(self):
        self.assertEqual(len(self.checkpoints), 3)
        self.assertEqual([s.sequence for s in self.seals], list(range(1, len(self.seals) + 1)))
        self.assertEqual(AuditEvent.objects.filter(seal__isnull=True).count(), 0)
        code, out = run_verify()
        self.assertEqual(code, 0, out)
        self.assertIn(f"{len(self.seals)} events verified", out)
        lines = settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()
        self.assertEqual([json.loads(line)["sequence"] for line in lines],
                         [c.sequence for c in self.checkpoints])  # fmt: skip
        self.assertEqual(settings.AUDIT_CHECKPOINT_FILE.stat().st_mode & 0o777, 0o600)

    def test_the_database_refuses_to_change_or_delete_events_seals_and_checkpoints(self):
        for model, pk, column in (
            (AuditEvent, self.seals[0].event_id, "reason"),
            (AuditSeal, self.seals[0].pk, "leaf"),
            (AuditCheckpoint, self.checkpoints[0].pk, "chain"),
        ):
            for attempt in (
                lambda m=model, k=pk, c=column: m.objects.filter(pk=k).update(**{c: "x"}),
                lambda m=model, k=pk: m.objects.filter(pk=k).delete(),
            ):
                with self.assertRaises(DatabaseError, msg=model), transaction.atomic():
                    attempt()
            if connection.vendor == "postgresql":
                with self.assertRaises(DatabaseError), transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
        self.assertEqual(AuditSeal.objects.count(), len(self.seals))
        self.assertEqual(AuditCheckpoint.objects.count(), 3)

    def test_appending_is_one_insert(self):
        with transaction.atomic(), self.assertNumQueries(1):
            record(actor=self.p.counsellor, action="view", target=self.p.counsellor)

    def test_record_refuses_to_run_without_the_actions_own_transaction(self):
        # The TestCase's own transaction does not count: a forgotten @transaction.atomic fails.
        with self.assertRaisesMessage(RuntimeError, "inside the action's transaction"):
            record(actor=self.p.counsellor, action="view", target=self.p.counsellor)

    def test_a_changed_event_is_named(self):
        target = self.seals[2]
        attacker.run_sql(
            "UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["改过", target.event_id]
        )
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn(f"event #{target.sequence} ({target.event.public_id})", err)
        self.assertIn("content changed", err)

    def test_a_removed_event_is_named(self):
        target = self.seals[1]
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM audit_auditevent WHERE id = %s", [target.event_id])
            row = cursor.fetchone()
        attacker.run_sql("DELETE FROM audit_auditevent WHERE id = %s", [target.event_id])
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn(f"sealed as #{target.sequence}", err)
        self.assertIn("missing", err)
        # Put it back, or the seal's foreign key fails the test's end.
        marks = ", ".join(["%s"] * len(row))
        attacker.run_sql(f"INSERT INTO audit_auditevent VALUES ({marks})", row)  # noqa: S608

    def test_a_removed_event_and_seal_are_named(self):
        target = self.seals[1]
        attacker.run_sql("DELETE FROM audit_auditseal WHERE sequence = %s", [target.sequence])
        attacker.run_sql("DELETE FROM audit_auditevent WHERE id = %s", [target.event_id])
        code, err = run_verify()
        self.assertEqual(code, 1)
        self.assertIn(f"seal #{target.sequence} is missing", err)

    def test_a_change_rechained_by_someone_holding_the_database_is_detected(self):
        # (a) Triggers dropped, event N changed, every later leaf, chain and checkpoint chain
        # recomputed: the database agrees with itself, but no one could sign its new chain.
        target = self.seals[1]
        attacker.run_sql(
            "UPDATE audit_auditevent SET changes_json = %s WHERE id = %s", ["{}", target.event_id]
        )
        attacker.rechain_from(target.sequence)
        result = verify_chain()
        self.assertFalse(result.ok)
        first_covering = next(c for c in self.checkpoints if c.sequence >= target.sequence)
        self.assertEqual(result.sequence, first_covering.sequence, result.problems)
        self.assertIn(f"checkpoint #{first_covering.sequence} is forged", result.problem)
        self.assertIn(f"#1..#{first_covering.sequence}", result.problem)
        self.assertTrue(any("differs from the signed one in the file" in p
                            for p in result.problems), result.problems)  # fmt: skip

    def test_a_change_rechained_without_touching_the_checkpoints_names_the_range(self):
        target = self.seals[-1]
        attacker.run_sql(
            "UPDATE audit_auditevent SET action = 'view' WHERE id = %s", [target.event_id]
        )
        with lifted():  # the seals only: leaf and chain of the last event
            leaf = attacker.stored_leaf(target.event_id)
            AuditSeal.objects.filter(pk=target.pk).update(leaf=leaf)
        result = verify_chain()
        self.assertFalse(result.ok)
        self.assertIn("chain is broken", result.problem)
        attacker.rechain_from(target.sequence)  # now the checkpoint's chain too: forged
        self.assertIn("forged", verify_chain().problem)

    def test_events_removed_from_the_end_are_detected_by_the_checkpoint_file(self):
        # (b) The last run's events, seals and checkpoint deleted: what remains is consistent
        # and signed, but the file outside the database knows the later checkpoint.
        last_run_first = self.checkpoints[1].sequence + 1
        attacker.remove_from(last_run_first)
        result = verify_chain()
        self.assertFalse(result.ok)
        self.assertIn("events removed from the end", result.problem)
        self.assertIn(f"#{self.checkpoints[2].sequence}", result.problem)
        self.assertIn(f"ends at #{self.checkpoints[1].sequence}", result.problem)

    def test_seals_beyond_the_last_checkpoint_are_not_signed(self):
        with lifted():
            AuditCheckpoint.objects.filter(sequence=self.checkpoints[-1].sequence).delete()
        result = verify_chain(checkpoint_file=self.tmp_file([]))
        self.assertFalse(result.ok)
        self.assertIn("carry no signed checkpoint", result.problem)

    def test_a_checkpoint_signed_with_another_key_is_refused(self):
        # (c) Re-signed by someone with a key of their own, claiming it or the real key's id.
        newest = self.checkpoints[-1]
        own = Ed25519PrivateKey.generate()
        moment = checkpoints.checkpoint_time(newest.created_at)
        signature = base64.b64encode(
            own.sign(checkpoint_message(sequence=newest.sequence, chain=newest.chain,
                                        created_at=moment))
        ).decode()  # fmt: skip
        for key_id, why in ((checkpoints.key_id_of(own.public_key()), "unknown key"),
                            (newest.key_id, "signature is not valid")):  # fmt: skip
            with lifted():
                AuditCheckpoint.objects.filter(pk=newest.pk).update(
                    key_id=key_id, signature=signature
                )
            result = verify_chain()
            self.assertFalse(result.ok)
            self.assertIn(f"checkpoint #{newest.sequence} is forged", result.problem)
            self.assertIn(why, result.problem)

    def test_every_signature_is_checked_on_request(self):
        first = self.checkpoints[0]
        with lifted():
            AuditCheckpoint.objects.filter(pk=first.pk).update(signature="AAAA")
        self.assertTrue(verify_chain(checkpoint_file=self.tmp_file(self.checkpoints[1:])).ok,
                        "the newest signature vouches for the chain")  # fmt: skip
        result = verify_chain(all_signatures=True)
        self.assertFalse(result.ok)
        self.assertIn(f"checkpoint #{first.sequence} is forged", result.problem)

    def tmp_file(self, rows) -> str:
        path = settings.AUDIT_CHECKPOINT_FILE.with_suffix(".other")
        path.write_text("".join(checkpoints.Checkpoint.from_row(r).as_line() + "\n" for r in rows))
        return str(path)

    def test_a_forged_line_in_the_checkpoint_file_is_named(self):
        with open(settings.AUDIT_CHECKPOINT_FILE, "a") as handle:
            forged = checkpoints.Checkpoint(999, "0" * 64, "2026-01-01T00:00:00.000000+00:00",
                                            self.checkpoints[0].key_id, "AAAA")  # fmt: skip
            handle.write(forged.as_line() + "\n")
        result = verify_chain()
        self.assertFalse(result.ok)
        self.assertIn("checkpoint #999) is forged", result.problem)

    def test_a_missing_checkpoint_file_fails(self):
        settings.AUDIT_CHECKPOINT_FILE.unlink()
        result = verify_chain()
        self.assertFalse(result.ok)
        self.assertIn("checkpoint file", result.problem)
        self.assertIn("missing", result.problem)

    def test_unsealed_events_are_fine_while_recent_then_a_warning_or_with_strict_a_failure(self):
        with transaction.atomic():
            record(actor=self.p.counsellor, action="view", target=self.p.counsellor)
        result = verify_chain()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual((result.unsealed, result.warnings), (1, []))
        later = timezone.now() + timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS + 5)
        result = verify_chain(now=later)
        self.assertTrue(result.ok)
        self.assertIn("1 events unsealed for longer than", result.warnings[0])
        self.assertFalse(verify_chain(now=later, strict=True).ok)
        self.assertEqual(seal_pending().sealed, 1)
        self.assertEqual(verify_chain(now=later, strict=True).unsealed, 0)

    def test_a_quick_round_seals_only_what_was_appended_above_it_the_window_the_rest(self):
        from xinyuan.audit.sealing import highest_sealed_event_id

        start_contact(self.p.counsellor)  # appended below the mark: a "late commit"
        late = AuditEvent.objects.order_by("-id").first()
        start_contact(self.p.counsellor)
        quick = seal_pending(after_id=late.id)
        self.assertEqual(quick.sealed, 1)
        self.assertFalse(AuditSeal.objects.filter(event=late).exists())
        self.assertEqual(highest_sealed_event_id(), AuditEvent.objects.order_by("-id")[0].id)
        swept = seal_pending()  # the loop's regular look over the grace window
        self.assertEqual(swept.sealed, 1)
        self.assertTrue(AuditSeal.objects.filter(event=late).exists())
        self.assertEqual(run_verify()[0], 0)

    def test_sealing_again_adds_nothing(self):
        report = seal_pending()
        self.assertEqual((report.sealed, report.checkpoints), (0, 0))
        self.assertEqual(AuditCheckpoint.objects.count(), 3)

    def test_a_checkpoint_lost_between_commit_and_file_is_written_by_the_next_run(self):
        path = settings.AUDIT_CHECKPOINT_FILE
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(lines[:1]) + lines[1][:20])  # the crash left half a line
        self.assertEqual(seal_pending().written_to_file, 2)
        result = verify_chain()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(len(result.warnings), 1, "the torn line is named")

    def test_verify_needs_only_the_public_key(self):
        out = io.StringIO()
        call_command("audit_public_key", stdout=out)
        public = out.getvalue().split()[0]
        # On the assessor's machine the signing key is not there (another one is configured).
        with override_settings(AUDIT_SIGNING_KEY=seed(7)):
            code, text = run_verify("--public-key", public)
            self.assertEqual(code, 0, text)
            code, text = run_verify("--public-key", public_of(seed(8)))
            self.assertEqual(code, 1)
            self.assertIn("unknown key", text)

    def test_a_retired_key_still_verifies_the_checkpoints_it_signed(self):
        # setUp sealed with the development key; then two rotations.
        retired = [checkpoints.public_key_text(checkpoints.signing_key().public_key())]
        with override_settings(AUDIT_SIGNING_KEY=seed(1)):
            start_contact(self.p.counsellor)
            seal_pending()
        retired.append(public_of(seed(1)))
        with override_settings(AUDIT_SIGNING_KEY=seed(2)):
            start_contact(self.p.counsellor)
            seal_pending()
            result = verify_chain(all_signatures=True)
            self.assertFalse(result.ok)
            self.assertIn("unknown key", result.problem)
            with override_settings(AUDIT_VERIFY_KEYS=retired):
                result = verify_chain(all_signatures=True)
                self.assertTrue(result.ok, result.problems)

    def test_a_lost_file_is_not_restarted_silently(self):
        long_ago = timezone.now() - timedelta(days=1)
        with lifted():
            AuditCheckpoint.objects.update(created_at=long_ago)
        settings.AUDIT_CHECKPOINT_FILE.unlink()
        start_contact(self.p.counsellor)
        report = seal_pending()
        self.assertGreaterEqual(report.sealed, 1)
        self.assertIn("missing", report.file_problem)
        self.assertFalse(settings.AUDIT_CHECKPOINT_FILE.exists())
        call_command("seal_audit", "--new-checkpoint-file", "存储故障后重建", stdout=io.StringIO())
        event = AuditEvent.objects.get(action="audit_checkpoint_file")
        self.assertEqual(event.reason, "存储故障后重建")
        result = verify_chain()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.unsealed, 0, "the event of the new file is sealed at once")


class RecordTests(PersonaMixin, TestCase):
    def test_ipv4_mapped_addresses_and_whole_seconds_verify(self):
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
        attacker.run_sql(
            "UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [whole, event.pk]
        )
        seal_pending()
        result = verify_chain()
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.checked, 3)

    def test_sealing_clinical_words_looks_up_the_contacts_key_once(self):
        contact = start_contact(self.p.counsellor)
        words = {"counsellor_notes": ["", "x"]}
        with transaction.atomic():  # the first words: the key is made
            record(actor=self.p.counsellor, action="update", target=contact, changes=words)
        with transaction.atomic(), self.assertNumQueries(2):  # the key, the event
            event = record(actor=self.p.counsellor, action="update", target=contact, changes=words)
        self.assertEqual(event.changes["counsellor_notes"], ["", "x"])
        self.assertNotIn('"x"', event.changes_json)


class ParallelVerificationTests(TransactionTestCase):
    """Stretches verified in separate processes must find exactly what one walk finds (on
    PostgreSQL the processes really run; an in-memory SQLite database verifies in one)."""

    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def setUp(self):
        from xinyuan.core.testing import make_personas

        patcher = mock.patch("xinyuan.audit.verify.PARALLEL_FROM", 10)
        patcher.start()
        self.addCleanup(patcher.stop)
        p = make_personas()
        for n in range(8):
            start_contact(p.counsellor)
            if n % 3 == 2:
                seal_pending()
        seal_pending()
        self.seals = list(AuditSeal.objects.order_by("sequence"))
        self.assertGreaterEqual(len(self.seals), 8)

    def test_an_intact_log_verifies_in_stretches(self):
        result = verify_chain(workers=3)
        self.assertTrue(result.ok, result.problem)
        self.assertEqual(result.checked, len(self.seals))

    def test_a_change_in_a_later_stretch_is_named(self):
        target = self.seals[-3]
        attacker.run_sql(
            "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [target.event_id]
        )
        result = verify_chain(workers=3)
        self.assertFalse(result.ok)
        self.assertEqual(result.sequence, target.sequence)
        self.assertIn("content changed", result.problem)

    def test_a_removed_seal_at_any_place_is_named(self):
        target = self.seals[len(self.seals) // 3]
        attacker.run_sql("DELETE FROM audit_auditseal WHERE sequence = %s", [target.sequence])
        result = verify_chain(workers=3)
        self.assertFalse(result.ok)
        self.assertEqual(result.sequence, target.sequence)
        self.assertIn("missing", result.problem)
