from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "CM-04/HL-06: escalate every overdue follow-up once for today to the centre's "
        "supervisors and directors (in the app, and by e-mail through the task worker), again "
        "each day until it is handled. Idempotent; run it from cron hourly, or --enqueue it "
        "for `manage.py db_worker` (it then runs every hour by itself)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="leave it to the task worker")

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            from xinyuan.cases.escalation_tasks import escalate_overdue_follow_ups
            from xinyuan.core.worker import queue_once

            queued = queue_once(escalate_overdue_follow_ups)
            self.stdout.write(
                "Overdue escalation enqueued."
                if queued
                else "Overdue escalation already waiting in the queue."
            )
            return
        from xinyuan.cases.actions.policy import do_escalate_overdue_follow_ups

        sweep = do_escalate_overdue_follow_ups()
        self.stdout.write(
            f"Escalated {sweep.created} of {sweep.overdue} overdue follow-ups for today."
        )
