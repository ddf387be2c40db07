import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinyuan.audit.checkpoints import UnusableKey, checkpoint_file
from xinyuan.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the sealed audit log: every event against its seal, the chain, the signed "
        "checkpoints and the checkpoint file. Exit 0 if intact, 1 naming what is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes verifying stretches of a long log (default: the CPU count)",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            dest="public_keys",
            metavar="KEY",
            help="trust only this public key (base64; repeat for retired keys); default: the "
            "signing key's and XINYUAN_AUDIT_VERIFY_KEYS",
        )
        parser.add_argument(
            "--checkpoint-file",
            type=Path,
            help="the checkpoint file to compare with (default: XINYUAN_AUDIT_CHECKPOINT_FILE)",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="an event unsealed for longer than the grace period is a failure",
        )
        parser.add_argument(
            "--after-restore",
            action="store_true",
            help="after restoring a backup or a point-in-time recovery: the checkpoint file "
            "knowing later checkpoints is reported, not a failure (then start a new file)",
        )
        parser.add_argument(
            "--all-signatures",
            action="store_true",
            help="check every checkpoint's signature, not only the newest (slower)",
        )

    def handle(self, *args, workers, public_keys, checkpoint_file: Path | None, **options):
        try:
            result = verify_chain(
                workers=workers,
                public_keys=public_keys,
                checkpoint_file=checkpoint_file,
                strict=options["strict"],
                all_signatures=options["all_signatures"],
                file_ahead_ok=options["after_restore"],
            )
        except UnusableKey as exc:
            raise CommandError(str(exc)) from exc
        for note in result.notes:
            self.stdout.write(note + ".")
        if result.file_ahead > result.last_checkpoint:
            self.stdout.write(
                f"The checkpoint file knows the log up to #{result.file_ahead}: the "
                f"{result.file_ahead - result.last_checkpoint} sealed events after "
                f"#{result.last_checkpoint} are gone. Once that is expected, start a new file: "
                "`manage.py seal_audit --new-checkpoint-file REASON`."
            )
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}.")
        if result.ok:
            self.stdout.write(
                f"Audit log intact: {result.checked} events verified against their seals up to "
                f"checkpoint #{result.last_checkpoint}; checkpoint file "
                f"{checkpoint_file or _default_file()} agrees."
            )
            return
        for problem in result.problems:
            self.stderr.write(f"Audit log BROKEN: {problem}.")
        self.stderr.write(f"{result.checked} sealed events before it verified.")
        sys.exit(1)


def _default_file() -> Path:
    return checkpoint_file()
