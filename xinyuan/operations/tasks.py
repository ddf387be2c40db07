"""Background tasks of running the centre (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

# The coverage-gap sweep runs again this long after each run.
GAP_SWEEP_EVERY = timedelta(minutes=30)


@task()
def notify_coverage_gaps() -> int:
    """E-mail each director the new coverage gaps of the next 14 days (never a gap twice), then
    queue the next sweep (unless one is queued already: restarts never make two chains)."""
    from xinyuan.operations.actions.rota import do_notify_coverage_gaps

    try:
        return do_notify_coverage_gaps()
    finally:
        queue_gap_sweep(after=GAP_SWEEP_EVERY)


def queue_gap_sweep(after: timedelta = timedelta(0)) -> bool:
    """Queue the coverage-gap sweep unless one is already waiting to run."""
    from xinyuan.core.worker import queue_once

    return queue_once(notify_coverage_gaps, after)
