from io import StringIO

from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from xinyuan.accounts import actions as account_actions
from xinyuan.accounts import totp
from xinyuan.audit.models import AuditEvent
from xinyuan.cases.actions import do_link_identity, do_reveal_identity
from xinyuan.cases.models import CallerIdentity
from xinyuan.core import crypto
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import start_contact

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
OLD_HMAC, NEW_HMAC = "old-hmac-key-0123456789abcdef0123", "new-hmac-key-0123456789abcdef0123"


class KeyRotationTests(PersonaMixin, TestCase):
    """Keys change while the hotline keeps answering: callers stay recognised throughout."""

    def link(self):
        identity, _created = do_link_identity(
            actor=self.p.counsellor, organisation=self.p.org, kind="phone", value="13800138000"
        )
        return identity

    def test_rotation_re_encrypts_and_re_hashes_without_losing_a_caller(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY], IDENTITY_HMAC_KEY=OLD_HMAC):
            person = self.link().person
            secret = totp.new_secret()
            account_actions.do_confirm_totp_enrolment(
                actor=self.p.supervisor,
                secret=secret,
                code=totp.code_at(secret, totp.current_step()),
            )
            before = CallerIdentity.objects.get()
            contact = start_contact(self.p.counsellor)
            actions.do_update_contact(
                actor=self.p.counsellor,
                contact=contact,
                version=contact.version,
                changes={"counsellor_notes": "封存的话"},
            )

        # Step 1: the new keys go first, the old ones stay configured; the app restarts.
        with override_settings(
            FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY],
            IDENTITY_HMAC_KEY=NEW_HMAC,
            IDENTITY_HMAC_OLD_KEYS=[OLD_HMAC],
        ):
            self.assertEqual(self.link().person, person, "recognised by the old hash meanwhile")
            out = StringIO()
            call_command("rotate_keys", stdout=out)
            self.assertIn("1 identities checked, 1 re-encrypted, 1 re-hashed", out.getvalue())
            self.assertIn(
                "1 two-factor secrets and 1 audit-trail keys re-encrypted", out.getvalue()
            )
            self.assertTrue(AuditEvent.objects.filter(action="rotate_keys").exists())

        # Step 2: the old keys are removed; everything still decrypts and matches.
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY], IDENTITY_HMAC_KEY=NEW_HMAC):
            after = CallerIdentity.objects.get()
            self.assertNotEqual(after.encrypted_value, before.encrypted_value)
            self.assertNotEqual(after.value_hash, before.value_hash)
            self.assertEqual(self.link().person, person)
            revealed = do_reveal_identity(actor=self.p.supervisor, identity=after, reason="回访")
            self.assertEqual(revealed, "13800138000")
            self.p.supervisor.refresh_from_db()
            self.assertEqual(len(account_actions.totp_secret(self.p.supervisor)), 32)
            notes = AuditEvent.objects.get(action="update", target_id=contact.public_id)
            self.assertEqual(
                notes.changes["counsellor_notes"], ["", "封存的话"], "the trail's key re-wrapped"
            )
            self.assertEqual(crypto.keyed_hash("phone", "13800138000"), after.value_hash)

    def test_removing_the_old_key_too_early_is_refused_with_the_reason(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
            self.link()
        with (
            override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]),
            self.assertRaisesMessage(CommandError, "keep the old key"),
        ):
            call_command("rotate_keys", stdout=StringIO())


class FileKeyRotationTests(PersonaMixin, TestCase):
    """A person file's name and phone hashes follow the key: duplicates are still found after a
    rotation, and files saved before the phone hash existed get one."""

    def test_file_hashes_are_recomputed_with_the_new_key(self):
        from xinyuan.cases import selectors
        from xinyuan.cases.actions import files as file_actions
        from xinyuan.cases.models import Person
        from xinyuan.hotline.actions.person_files import do_open_file_from_contact

        with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY], IDENTITY_HMAC_KEY=OLD_HMAC):
            caller = do_open_file_from_contact(
                actor=self.p.counsellor,
                contact=start_contact(self.p.counsellor, caller_number="13912345678"),
            )
            walk_in = do_open_file_from_contact(
                actor=self.p.counsellor,
                contact=actions.do_start_contact(actor=self.p.counsellor, channel="walk_in"),
            )
            file_actions.do_update_file(
                actor=self.p.counsellor,
                person=walk_in,
                data={"name": "王小明", "contact_details": "139 1234 5678"},
                version=walk_in.file_version,
            )
            Person.objects.filter(pk=walk_in.pk).update(contact_hash="")  # saved before 0021
        with override_settings(
            FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY],
            IDENTITY_HMAC_KEY=NEW_HMAC,
            IDENTITY_HMAC_OLD_KEYS=[OLD_HMAC],
        ):
            out = StringIO()
            call_command("rotate_keys", stdout=out)
            self.assertIn("person files checked", out.getvalue())
            walk_in.refresh_from_db()
            self.assertEqual(walk_in.contact_hash, crypto.keyed_hash("phone", "13912345678"))
            self.assertEqual(
                [p.pk for p in selectors.likely_duplicates(self.p.supervisor, walk_in)],
                [caller.pk],
            )
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY], IDENTITY_HMAC_KEY=NEW_HMAC):
            self.assertEqual(file_actions.person_name(Person.objects.get(pk=walk_in.pk)), "王小明")
