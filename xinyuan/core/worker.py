"""Recovery of background tasks whose worker died (django-tasks-db).

django-tasks-db claims a task by setting it RUNNING in a committed transaction before it runs
it, and marks it SUCCESSFUL or FAILED afterwards. A worker killed in between (SIGKILL, power
loss, out-of-memory) leaves the task RUNNING for ever: workers only pick READY tasks, and
nothing in django-tasks-db notices a dead worker (no heartbeat). What the task wrote in its
own transactions is committed or rolled back by the database as usual.

``requeue_stale_tasks`` puts such tasks back to READY so that a worker runs them again; their
``worker_ids`` keep the history of every attempt. It is safe because every task of this
project is idempotent (see ``cases/tasks.py``). A task is taken for dead when it has been
RUNNING longer than ``older_than``: choose more than the longest task takes. In the embedded
default (``make run``: one worker) any task still RUNNING before the worker starts is dead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def requeue_stale_tasks(*, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Set tasks RUNNING since before ``now - older_than`` back to READY; their ids."""
    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lte=now - older_than
    )
    requeued = []
    for pk in stale.values_list("pk", flat=True):
        # Conditional: a task that finished meanwhile stays finished.
        if DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY
        ):
            requeued.append(str(pk))
    return requeued


def queue_once(task, after: timedelta = timedelta(0)) -> bool:
    """Queue ``task`` (no arguments) to run ``after`` from now unless a run of it is already
    waiting: a periodic sweep that re-queues itself, or is queued by ``make run`` and cron,
    never becomes two chains."""
    waiting = DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY
    ).exists()
    if waiting:
        return False
    task.using(run_after=timezone.now() + after).enqueue()
    return True
