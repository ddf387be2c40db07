"""Backup and restore round trip on the database the suite runs on (SQLite or PostgreSQL)."""

import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TransactionTestCase

from xinyuan.audit.models import AuditCheckpoint, AuditEvent
from xinyuan.audit.sealing import seal_pending
from xinyuan.audit.triggers import lifted
from xinyuan.audit.verify import verify_chain
from xinyuan.core.backup import row_counts
from xinyuan.core.testing import make_personas
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


class BackupRestoreTests(TransactionTestCase):
    def _fixture_teardown(self):
        # Audit events are append-only: the flush between test cases lifts the triggers.
        with lifted():
            super()._fixture_teardown()

    def setUp(self):
        self.p = make_personas()
        contact = high_risk_contact(self.p.counsellor, caller_number="13800138000")
        do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        self.dir = Path(tempfile.mkdtemp())
        self.path = self.dir / "xinyuan.backup"

    def test_a_restore_brings_back_exactly_what_was_backed_up(self):
        seal_pending()
        counts, head = row_counts(), AuditCheckpoint.objects.latest("sequence")
        out = StringIO()
        call_command("backup", str(self.path), stdout=out)
        self.assertIn("audit log intact", out.getvalue())
        self.assertTrue(self.path.is_file())
        self.assertEqual(self.path.stat().st_mode & 0o777, 0o600, "readable by the owner only")
        self.assertFalse(self.path.with_name(self.path.name + ".partial").exists())

        later = start_contact(self.p.counsellor)  # written after the backup: lost by a restore
        seal_pending()  # and sealed: the checkpoint file knows about it
        lost = AuditCheckpoint.objects.latest("sequence").sequence - head.sequence
        self.assertNotEqual(row_counts(), counts)

        out = StringIO()
        call_command("restore", str(self.path), "--yes", stdout=out)
        self.assertIn(f"{lost} sealed events written after this backup are lost", out.getvalue())
        audit_tables = {"audit_auditevent", "audit_auditseal", "audit_auditcheckpoint"}
        restored = row_counts()
        self.assertEqual(
            {t: n for t, n in restored.items() if t not in audit_tables},
            {t: n for t, n in counts.items() if t not in audit_tables},
            "every table has the same rows",
        )
        self.assertFalse(Contact.objects.filter(pk=later.pk).exists())
        # The audit log has the backup's events, and one more: the restore itself, sealed.
        self.assertEqual(restored["audit_auditevent"], counts["audit_auditevent"] + 1)
        event = AuditEvent.objects.latest("id")
        self.assertEqual(event.action, "audit_checkpoint_file")
        self.assertEqual(event.changes["restored_checkpoint"], head.sequence)
        self.assertEqual(event.changes["sealed_events_lost"], lost)
        # The old checkpoint file is archived (it proves what was lost); the new one starts at
        # the restored log, so verify_audit does not cry wolf.
        archived = list(settings.AUDIT_CHECKPOINT_FILE.parent.glob(
            settings.AUDIT_CHECKPOINT_FILE.name + ".*.archived"))  # fmt: skip
        self.assertEqual(len(archived), 1)
        first_line = settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()[0]
        self.assertIn(f'"sequence":{head.sequence},', first_line)
        log = verify_chain(strict=True)
        self.assertTrue(log.ok, log.problems)
        self.assertFalse(verify_chain(checkpoint_file=archived[0]).ok, "the archive knows more")
        # The restored database takes new writes and extends the same log.
        start_contact(self.p.counsellor)
        seal_pending()
        self.assertTrue(verify_chain(strict=True).ok)

    def test_restoring_needs_confirmation_and_a_real_backup(self):
        call_command("backup", str(self.path), stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "--yes"):
            call_command("restore", str(self.path), stdout=StringIO())
        junk = self.dir / "junk.backup"
        junk.write_bytes(b"not a backup at all" * 100)
        with self.assertRaises(CommandError):
            call_command("restore", str(junk), "--yes", stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "No backup at"):
            call_command("restore", str(self.dir / "missing"), "--yes", stdout=StringIO())
        self.assertTrue(verify_chain().ok, "a refused restore changes nothing")
