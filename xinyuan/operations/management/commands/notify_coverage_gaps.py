from django.core.management.base import BaseCommand

from xinyuan.operations.actions.rota import do_notify_coverage_gaps


class Command(BaseCommand):
    help = (
        "E-mail each director the hours of the next 14 days below the centre's minimum of "
        "staffed seats that they were not told of yet (never the same gap hour twice). Run it "
        "from cron, or --enqueue to leave it to the task worker (which then runs it again every "
        "30 minutes). E-mail goes through Django's e-mail framework (EMAIL_* settings)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the sweep for `manage.py db_worker` (no second one if one is waiting)",
        )

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            from xinyuan.operations.tasks import queue_gap_sweep

            queued = queue_gap_sweep()
            self.stdout.write("Coverage-gap sweep queued." if queued else "Already queued.")
            return
        self.stdout.write(f"Sent {do_notify_coverage_gaps()} coverage-gap e-mails.")
