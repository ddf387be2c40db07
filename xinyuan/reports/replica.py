"""Where reports read: the PostgreSQL read replica when one is configured
(``DATABASE_REPLICA_URL``), else the primary. Every report selector reads through
``report_database()`` (``.using(report_database())``); writes never go to the replica."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_on_primary: ContextVar[bool] = ContextVar("reports_on_primary", default=False)


def report_database() -> str:
    if _on_primary.get():
        return "default"
    return "replica" if "replica" in settings.DATABASES else "default"


@contextmanager
def on_primary() -> Iterator[None]:
    """Read the reports from the primary inside this block: what an action freezes (the figures
    a director signs) must be what the primary holds, not a replica a moment behind."""
    token = _on_primary.set(True)
    try:
        yield
    finally:
        _on_primary.reset(token)
