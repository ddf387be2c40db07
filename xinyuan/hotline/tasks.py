"""Background tasks of the hotline (django-tasks, stored in the database by django-tasks-db,
run by ``manage.py db_worker``). Each is idempotent: run twice, or cut off and run again, it
does nothing twice."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task


@task()
def escalate_alerts() -> int:
    """Escalate the alerts nobody took in time (queued by each raise for when it falls due)."""
    from xinyuan.hotline.actions.escalation import do_escalate_due_alerts

    return do_escalate_due_alerts()


# The stale-contact sweep runs again this long after each run.
STALE_SWEEP_EVERY = timedelta(minutes=15)


@task()
def close_stale_contacts() -> int:
    """Close in-progress contacts nobody touched for ``CONTACT_STALE_HOURS`` as "not
    completed", then queue the next sweep (unless one is queued already: restarts never make
    two chains)."""
    from xinyuan.hotline.actions.contacts import do_close_stale_contacts

    closed = do_close_stale_contacts()
    queue_stale_sweep(after=STALE_SWEEP_EVERY)
    return closed


def queue_stale_sweep(after: timedelta = timedelta(0)) -> bool:
    """Queue the stale-contact sweep unless one is already waiting to run."""
    from xinyuan.core.worker import queue_once

    return queue_once(close_stale_contacts, after)
