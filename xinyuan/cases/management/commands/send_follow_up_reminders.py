from django.core.management.base import BaseCommand

from xinyuan.cases.actions.reminders import do_send_follow_up_reminders, reminder_lead


class Command(BaseCommand):
    help = (
        "HL-06: create the missing reminders of scheduled follow-ups (due soon: to the "
        "counsellor; overdue: to the counsellor and the supervisors). Idempotent; run it from "
        "cron every few minutes. --enqueue leaves the sweep to the task worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="enqueue the sweep for `manage.py db_worker` instead of running it here",
        )

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            from xinyuan.cases.tasks import send_follow_up_reminders

            result = send_follow_up_reminders.enqueue()
            self.stdout.write(f"Reminder sweep enqueued (task {result.id}).")
            return
        sweep = do_send_follow_up_reminders()
        minutes = int(reminder_lead().total_seconds() // 60)
        self.stdout.write(
            f"Created {sweep.created} reminders for {sweep.follow_ups} follow-ups "
            f"(lead time {minutes} minutes)."
        )
