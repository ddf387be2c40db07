import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from xinyuan.audit.sealing import seal_pending, start_new_checkpoint_file


class Command(BaseCommand):
    help = (
        "Seal the audit events appended since the last run: each gets its sequence and chain "
        "value, and each batch a checkpoint signed with XINYUAN_AUDIT_SIGNING_KEY, also appended "
        "to XINYUAN_AUDIT_CHECKPOINT_FILE. With --loop, keeps sealing every SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="keep running, sealing every SECONDS"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="search every event, not only the recent window (daily from cron is enough)",
        )
        parser.add_argument(
            "--new-checkpoint-file",
            metavar="REASON",
            help="archive the checkpoint file (if any) and start a new one at the database's "
            "newest checkpoint; audited with REASON (after the file was lost)",
        )

    def handle(self, *args, loop: float | None, full: bool, new_checkpoint_file, **options):
        self.verbose = options["verbosity"] > 1
        if new_checkpoint_file is not None:
            if len(new_checkpoint_file.strip()) < 5:
                raise CommandError("Give the reason for starting a new checkpoint file.")
            archived = start_new_checkpoint_file(reason=new_checkpoint_file.strip())
            self.stdout.write(
                "New checkpoint file started"
                + (f"; the old one is kept as {archived}." if archived else ".")
            )
        if loop is None:
            self._once(full)
            return
        if loop <= 0:
            raise CommandError("--loop needs a positive number of seconds.")
        self._once(full=True)  # a start after a stop also catches anything left behind
        try:
            while True:
                time.sleep(loop)
                try:
                    self._once(full)
                except DatabaseError as exc:  # the database restarting: try again next round
                    self.stderr.write(f"Sealing failed, will retry: {exc}")
        except KeyboardInterrupt:
            return

    def _once(self, full: bool) -> None:
        report = seal_pending(full=full)
        if report.file_problem:
            self.stderr.write(f"Checkpoint file not written: {report.file_problem}")
        if report.sealed or self.verbose:
            self.stdout.write(
                f"Sealed {report.sealed} events in {report.checkpoints} checkpoints "
                f"(last #{report.last_sequence}); {report.written_to_file} written to the file."
            )
