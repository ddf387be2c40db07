"""Background task of the reports: keeping the daily rollup of the work report's figures
current (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

# The rollup sweep runs again this long after a run that left nothing outstanding, and sooner
# while a backlog (an upgrade, a long outage) is being worked through in bounded runs.
ROLLUP_SWEEP_EVERY = timedelta(hours=1)
ROLLUP_BACKLOG_AGAIN = timedelta(seconds=30)
ROLLUP_DAYS_PER_RUN = 400


@task()
def refresh_report_rollup() -> int:
    """Refresh what the rollup lacks (stale days first by date, newest first; at most
    ``ROLLUP_DAYS_PER_RUN`` days), then queue the next run. A report never waits for this: a
    day the rollup lacks is computed from the contacts."""
    from xinyuan.reports.actions import do_refresh_outstanding

    left = 0
    try:
        written, left = do_refresh_outstanding(max_days=ROLLUP_DAYS_PER_RUN)
        return written
    finally:
        queue_rollup_sweep(after=ROLLUP_BACKLOG_AGAIN if left else ROLLUP_SWEEP_EVERY)


def queue_rollup_sweep(after: timedelta = timedelta(0)) -> bool:
    """Queue the rollup sweep unless one is already waiting to run."""
    from xinyuan.core.worker import queue_once

    return queue_once(refresh_report_rollup, after)
