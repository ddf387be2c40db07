"""Run inside the app, configured as deployed with a replica (``DATABASE_URL`` the primary,
``DATABASE_REPLICA_URL`` its streaming replica), by test_replica.py:

    DATABASE_URL=… DATABASE_REPLICA_URL=… manage.py shell -c \
        "from xinyuan.reports.tests.replica_probe import main; main()"

Prints one JSON object of what it observed; the test makes the assertions. Writes go through the
app's actions (the default alias); report reads go through ``report_database()``. Replay on the
replica is paused while a contact is written, so a report can be seen to lag, then resumed.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.hotline import actions as hotline_actions
from xinyuan.hotline.models import Contact
from xinyuan.reports import topics
from xinyuan.reports.replica import report_database
from xinyuan.reports.tests.streaming_replica import wait_for_replay


def _url(alias: str) -> str:
    db = settings.DATABASES[alias]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _scalar(alias: str, sql: str):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _wait(alias: str, sql: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not _scalar(alias, sql):
        if time.monotonic() > deadline:
            raise TimeoutError(sql)
        time.sleep(0.05)


def main() -> None:
    report = report_database()
    primary_url, replica_url = _url("default"), _url(report)
    observed: dict = {
        "report_alias": report,
        "replica_settings": {
            key: settings.DATABASES.get("replica", {}).get(key)
            for key in ("ENGINE", "HOST", "PORT", "NAME", "USER")
        },
        "default_in_recovery": _scalar("default", "SELECT pg_is_in_recovery()"),
        "report_in_recovery": _scalar(report, "SELECT pg_is_in_recovery()"),
    }
    org = Organisation.objects.create(name="副本热线", hotline_name="副本心理援助热线")
    counsellor = User.objects.create_user(
        username="replica_counsellor", organisation=org, role=Role.COUNSELLOR
    )
    director = User.objects.create_user(
        username="replica_director", organisation=org, role=Role.DIRECTOR
    )
    today = timezone.localdate()

    def hot_topics_contacts() -> int:
        """A real report (reports/topics.py), run as the centre's director."""
        return topics.hot_topics(director, today - timedelta(days=29), today).contacts_now

    wait_for_replay(primary_url, replica_url)
    observed["caught_up"] = Contact.objects.using(report).filter(organisation=org).count()

    # Hold the replica back, write on the primary through the app's action, and read.
    _scalar(report, "SELECT pg_wal_replay_pause()::text")
    _wait(report, "SELECT pg_get_wal_replay_pause_state() = 'paused'")
    contact = hotline_actions.do_start_contact(actor=counsellor, channel="phone")
    observed["written_on_primary"] = Contact.objects.filter(pk=contact.pk).exists()
    observed["report_while_behind"] = Contact.objects.using(report).filter(organisation=org).count()
    observed["hot_topics_while_behind"] = hot_topics_contacts()
    _scalar(report, "SELECT pg_wal_replay_resume()::text")
    wait_for_replay(primary_url, replica_url)
    observed["report_after_catch_up"] = (
        Contact.objects.using(report).filter(organisation=org).count()
    )
    observed["hot_topics_after_catch_up"] = hot_topics_contacts()

    # The replica refuses writes: nothing may be routed there.
    try:
        with transaction.atomic(using=report):
            Organisation.objects.using(report).create(name="不应写入")
        observed["replica_write_error"] = None
    except DatabaseError as error:
        observed["replica_write_error"] = str(error)
    print(json.dumps(observed, ensure_ascii=False))  # noqa: T201 - read by the test
