import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyuan.audit.verify import verify_chain
from xinyuan.core import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup at PATH (made by `manage.py backup`). "
        "Everything written since that backup is lost. Stop the app and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (scripts, tests)"
        )

    def handle(self, *args, path: Path, yes: bool, **options):
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Refusing to restore without --yes when not interactive.")
            answer = input(
                f"This replaces the whole database with {path}; everything written since is "
                "lost. Type 'restore' to go on: "
            )
            if answer.strip() != "restore":
                raise CommandError("Not restored.")
        try:
            backup.restore(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = backup.row_counts()
        chain = verify_chain()
        self.stdout.write(
            f"Restored from {path}: {sum(counts.values()):,} rows in {len(counts)} tables; "
            f"audit chain {'intact' if chain.ok else 'BROKEN'} ({chain.checked} events)."
        )
        if not chain.ok:
            raise CommandError(f"The restored audit chain is broken: {chain.problem}.")
