from datetime import timedelta

from django.core.management.base import BaseCommand

from xinyuan.core.worker import requeue_stale_tasks


class Command(BaseCommand):
    help = (
        "Put background tasks back in the queue whose worker died while running them "
        "(django-tasks-db leaves them RUNNING for ever). Only tasks RUNNING for longer than "
        "--older-than-minutes; 0 when no worker is running, e.g. before starting the only one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=float, default=30)

    def handle(self, *args, older_than_minutes: float, **options):
        ids = requeue_stale_tasks(older_than=timedelta(minutes=older_than_minutes))
        self.stdout.write(f"Requeued {len(ids)} stale tasks." + "".join(f"\n  {i}" for i in ids))
