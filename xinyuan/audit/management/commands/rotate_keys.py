from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xinyuan.audit.actions import record
from xinyuan.core.crypto import KEY_ROTATIONS


class Command(BaseCommand):
    help = (
        "Re-encrypt identifiers, two-factor secrets and audit-trail keys with the newest key of "
        "XINYUAN_FIELD_ENCRYPTION_KEYS and re-hash caller identities with the current "
        "XINYUAN_IDENTITY_HMAC_KEY. Runs while the app serves; see docs/security.md for the steps."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        from cryptography.fernet import InvalidToken

        counts: dict[str, int] = {}
        try:
            for name, step in KEY_ROTATIONS.items():
                done = step(batch_size)
                counts.update(done if isinstance(done, dict) else {name: done})
        except InvalidToken as exc:
            raise CommandError(
                "A value could not be decrypted with any configured key: keep the old key in "
                "XINYUAN_FIELD_ENCRYPTION_KEYS (after the new one) until rotation is done."
            ) from exc
        with transaction.atomic():
            record(actor=None, action="rotate_keys", target=None, changes=counts)
        self.stdout.write(
            "Keys rotated: {identities} identities checked, {reencrypted} re-encrypted, "
            "{rehashed} re-hashed; {two_factor_secrets} two-factor secrets and {audit_keys} "
            "audit-trail keys re-encrypted; {files} person files checked, {files_changed} "
            "re-encrypted or re-hashed.".format(**{"files": 0, "files_changed": 0, **counts})
        )
