from django.core.management.base import BaseCommand

from xinyuan.audit.checkpoints import key_id_of, public_key_text, signing_key


class Command(BaseCommand):
    help = (
        "Print the public key of the audit log's signing key (and its key id): what an assessor "
        "needs to run `verify_audit --public-key KEY` on a copy of the database."
    )

    def handle(self, *args, **options):
        public = signing_key().public_key()
        self.stdout.write(f"{public_key_text(public)}  (key id {key_id_of(public)})")
