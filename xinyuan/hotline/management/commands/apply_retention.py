from django.conf import settings
from django.core.management.base import BaseCommand

from xinyuan.hotline.actions.retention import apply_retention


class Command(BaseCommand):
    help = (
        "HL-13: anonymise persons and contacts whose last activity is older than "
        "XINYUAN_RETENTION_YEARS (at least 3), except under legal hold. Run daily (cron or a "
        "scheduler); --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run: bool, **options):
        report = apply_retention(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {report.persons} persons and {report.contacts} contacts "
            f"({report.identities} identities deleted) with last activity before "
            f"{report.cutoff:%Y-%m-%d} (retention {settings.RETENTION_YEARS} years); kept under "
            f"legal hold: {report.held_persons} persons, {report.held_contacts} contacts; "
            f"{report.callback_numbers} self-test call-back numbers removed."
        )
