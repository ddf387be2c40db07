"""Backup and restore round trip on the database the suite runs on (SQLite or PostgreSQL)."""

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TransactionTestCase

from xinyuan.audit.models import AuditChainHead
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
        counts, head = row_counts(), AuditChainHead.objects.get()
        out = StringIO()
        call_command("backup", str(self.path), stdout=out)
        self.assertIn("audit chain intact", out.getvalue())
        self.assertTrue(self.path.is_file())
        self.assertEqual(self.path.stat().st_mode & 0o777, 0o600, "readable by the owner only")
        self.assertFalse(self.path.with_name(self.path.name + ".partial").exists())

        later = start_contact(self.p.counsellor)  # written after the backup: lost by a restore
        self.assertNotEqual(row_counts(), counts)

        call_command("restore", str(self.path), "--yes", stdout=StringIO())
        self.assertEqual(row_counts(), counts, "every table has the same rows")
        self.assertFalse(Contact.objects.filter(pk=later.pk).exists())
        restored = AuditChainHead.objects.get()
        self.assertEqual(
            (restored.last_sequence, restored.last_hash), (head.last_sequence, head.last_hash)
        )
        chain = verify_chain()
        self.assertTrue(chain.ok, chain.problem)
        self.assertEqual(chain.checked, head.last_sequence)
        # The restored database takes new writes and extends the same chain.
        start_contact(self.p.counsellor)
        self.assertTrue(verify_chain().ok)

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
