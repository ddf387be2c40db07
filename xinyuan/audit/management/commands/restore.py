import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyuan.audit.sealing import start_new_checkpoint_file
from xinyuan.audit.verify import verify_chain
from xinyuan.core import backup


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup at PATH (made by `manage.py backup`). "
        "Everything written since that backup is lost. Stop the app, the worker and the sealer "
        "first. The restored audit log is verified against the checkpoint file; the file is then "
        "archived and a new one started at the restored log's newest checkpoint (audited)."
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
        # The checkpoint file knows the log as it was before the restore: everything up to the
        # backup's newest checkpoint must agree with it; what it knows beyond is what was lost.
        log = verify_chain(file_ahead_ok=True)
        self.stdout.write(
            f"Restored from {path}: {sum(counts.values()):,} rows in {len(counts)} tables; "
            f"audit log {'intact' if log.ok else 'BROKEN'} ({log.checked} events sealed up to "
            f"checkpoint #{log.last_checkpoint})."
        )
        if not log.ok:
            raise CommandError(f"The restored audit log is broken: {log.problem}.")
        lost = max(0, log.file_ahead - log.last_checkpoint)
        archived = start_new_checkpoint_file(
            reason=f"restore of {path.name}",
            changes={"restored_checkpoint": log.last_checkpoint, "sealed_events_lost": lost},
        )
        self.stdout.write(
            f"{lost} sealed events written after this backup are lost; the checkpoint file "
            + (f"was archived as {archived} and " if archived else "")
            + "starts anew at the restored log."
        )
