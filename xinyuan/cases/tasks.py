"""Background tasks of the cases app (django-tasks, stored in the database by django-tasks-db,
run by ``manage.py db_worker``).

Every task here is idempotent: run twice, or cut off and run again, it does nothing twice.
That is what lets ``manage.py requeue_stale_tasks`` re-run a task whose worker was killed.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from xinyuan.cases.actions.reminders import do_send_follow_up_reminders, reminder_lead
from xinyuan.cases.models import FollowUp


@task()
def send_follow_up_reminders() -> dict[str, int]:
    """The reminder sweep (HL-06). Enqueued when a follow-up is booked (for when it comes due
    and when it becomes overdue) and by ``manage.py send_follow_up_reminders --enqueue``."""
    return do_send_follow_up_reminders().as_dict()


def schedule_follow_up_reminders(follow_up: FollowUp) -> None:
    """Enqueue the sweep for the moments this follow-up needs a reminder: when it comes due
    and just after it is due. Called inside the booking's transaction: the queue is a table of
    the same database (django-tasks-db), so the booking and its reminders commit together.
    The cron sweep catches anything missed (a worker that was down, a task that was cut off).
    """
    now = timezone.now()
    for moment in (follow_up.due_at - reminder_lead(), follow_up.due_at + timedelta(seconds=1)):
        send_follow_up_reminders.using(run_after=max(moment, now)).enqueue()
