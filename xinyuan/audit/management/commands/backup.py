from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyuan.audit.verify import verify_chain
from xinyuan.core import backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the whole database to PATH (SQLite: online backup; "
        "PostgreSQL: pg_dump custom format). Keep backups encrypted and off this machine."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = backup.row_counts()
        log = verify_chain()
        self.stdout.write(
            f"Backup written to {path} ({path.stat().st_size:,} bytes): "
            f"{sum(counts.values()):,} rows in {len(counts)} tables; "
            f"audit log {'intact' if log.ok else 'BROKEN'} ({log.checked} events sealed up to "
            f"checkpoint #{log.last_checkpoint}, {log.unsealed} not yet)."
        )
        if not log.ok:
            self.stderr.write(f"Audit log BROKEN: {log.problem}.")
