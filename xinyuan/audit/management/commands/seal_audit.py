import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from xinyuan.audit.sealing import (
    highest_sealed_event_id,
    seal_pending,
    start_new_checkpoint_file,
)

# How often the loop looks back over the whole grace window (see handle).
WINDOW_SWEEP_SECONDS = 30


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
        # A start after a stop also catches anything left behind. Then each round looks only
        # at the events appended since the last one it sealed (a short index range), and every
        # WINDOW_SWEEP_SECONDS over the whole grace window, for an event that took its id early
        # and committed late (PostgreSQL): such an event is sealed within that time.
        high = self._once(full=True)
        swept = time.monotonic()
        try:
            while True:
                time.sleep(loop)
                try:
                    if full or time.monotonic() - swept >= WINDOW_SWEEP_SECONDS:
                        high = max(high, self._once(full))
                        swept = time.monotonic()
                    else:
                        high = max(high, self._once(False, after_id=high))
                except DatabaseError as exc:  # the database restarting: try again next round
                    self.stderr.write(f"Sealing failed, will retry: {exc}")
        except KeyboardInterrupt:
            return

    def _once(self, full: bool, after_id: int | None = None) -> int:
        report = seal_pending(full=full, after_id=after_id)
        if report.file_problem:
            self.stderr.write(f"Checkpoint file not written: {report.file_problem}")
        if report.sealed or self.verbose:
            self.stdout.write(
                f"Sealed {report.sealed} events in {report.checkpoints} checkpoints "
                f"(last #{report.last_sequence}); {report.written_to_file} written to the file."
            )
        return report.high_event_id or highest_sealed_event_id()
