"""Background tasks of the cases app (django-tasks, stored in the database by django-tasks-db,
run by ``manage.py db_worker``).

Every task here is idempotent: run twice, or cut off and run again, it does nothing twice.
That is what lets ``manage.py requeue_stale_tasks`` re-run a task whose worker was killed.
"""

from __future__ import annotations

from django_tasks import task

from xinyuan.cases.actions.reminders import do_send_follow_up_reminders


@task()
def send_follow_up_reminders() -> dict[str, int]:
    """The reminder sweep (HL-06). Enqueued when a follow-up is booked (for when it comes due
    and when it becomes overdue) and by ``manage.py send_follow_up_reminders --enqueue``."""
    return do_send_follow_up_reminders().as_dict()
