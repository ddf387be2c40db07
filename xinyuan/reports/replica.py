"""Where reports read: the PostgreSQL read replica when one is configured
(``DATABASE_REPLICA_URL``), else the primary. Every report selector reads through
``report_database()`` (``.using(report_database())``); writes never go to the replica."""

from django.conf import settings


def report_database() -> str:
    return "replica" if "replica" in settings.DATABASES else "default"
