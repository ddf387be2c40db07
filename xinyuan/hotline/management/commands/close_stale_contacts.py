from django.core.management.base import BaseCommand

from xinyuan.hotline.actions.contacts import do_close_stale_contacts


class Command(BaseCommand):
    help = (
        "Close in-progress contacts with no activity for CONTACT_STALE_HOURS as 'not completed'. "
        "Idempotent; run it from cron every 15 minutes, or --enqueue to leave it to the task "
        "worker (which then runs it again every 15 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the sweep for `manage.py db_worker` (no second one if one is waiting)",
        )

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            from xinyuan.hotline.tasks import queue_stale_sweep

            queued = queue_stale_sweep()
            self.stdout.write("Stale-contact sweep queued." if queued else "Already queued.")
            return
        self.stdout.write(f"Closed {do_close_stale_contacts()} stale contacts.")
