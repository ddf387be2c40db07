from django.core.management.base import BaseCommand

from xinyuan.hotline.actions import do_escalate_due_alerts


class Command(BaseCommand):
    help = (
        "Escalate the high-risk alerts nobody took within ALERT_ESCALATE_MINUTES to the director "
        "and every supervisor of the centre. Idempotent; run it from cron every minute as the net "
        "for a task worker that is down (the raise queues the escalation, and the counsellor's "
        "page escalates while it waits). Their e-mails are queued for the task worker."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Escalated {do_escalate_due_alerts()} alerts.")
