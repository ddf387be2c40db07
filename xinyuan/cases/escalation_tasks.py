"""The daily escalation of overdue follow-ups as a background task (django-tasks, run by
``manage.py db_worker``). Apart from ``cases.tasks`` (which the booking actions import) so that
the task and the actions it runs import each other's modules without a cycle."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task


@task()
def escalate_overdue_follow_ups() -> dict[str, int]:
    """The daily escalation of overdue follow-ups (``cases.actions.policy``): every overdue
    follow-up once per local day, until it is handled. Runs every hour (queued again by
    itself, never two chains), so a new day's escalations go out within the first hour and a
    worker that was down catches up when it is back; ``manage.py escalate_overdue_follow_ups``
    runs or queues it from cron."""
    from xinyuan.cases.actions.policy import do_escalate_overdue_follow_ups
    from xinyuan.core.worker import queue_once

    sweep = do_escalate_overdue_follow_ups()
    queue_once(escalate_overdue_follow_ups, after=timedelta(hours=1))
    return sweep.as_dict()
