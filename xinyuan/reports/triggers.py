"""Database triggers that mark a centre's day stale for the report rollup (decision 0017).

Every write to a column the work report counts — a contact inserted, deleted, or its centre,
start, channel, risk, type, coded problems or person changed; a call event likewise; a caller's
repeated-caller flag changed — appends a ``StaleReportDay`` row in the same statement. Triggers,
not code in the actions, so that no write path can forget: the actions, bulk updates, deletions
by cascade, retention purges and raw SQL alike. A mark is a plain appended row (no unique key,
no row every writer updates): writers never wait for each other.

They are installed after every ``migrate`` (``post_migrate``), not only by a migration: on SQLite
a later migration that alters ``hotline_contact`` rebuilds the table and drops its triggers.
When triggers have to be installed while rollup rows exist, those rows can no longer be trusted
and are deleted (the reports compute those days from the contacts until they are refreshed).
"""

# ruff: noqa: S608 - the statements are built from the constants below only, never from input
from __future__ import annotations

# Bump when a statement below changes: installed triggers of another version are replaced.
VERSION = "v1"

# What the work report counts: a change to one of these columns moves a figure of its day.
CONTACT_COLUMNS = (
    "organisation_id",
    "started_at",
    "channel",
    "risk_level",
    "contact_type",
    "problem_codes",
    "person_id",
)
CALL_EVENT_COLUMNS = ("organisation_id", "occurred_at", "kind", "is_local")
TABLES = (("hotline_contact", "started_at", CONTACT_COLUMNS),) + (
    ("hotline_callevent", "occurred_at", CALL_EVENT_COLUMNS),
)
MARK = "INSERT INTO reports_stalereportday (organisation_id, at) "
PERSON_MARKS = (
    f"{MARK} SELECT organisation_id, started_at FROM hotline_contact WHERE person_id = NEW.id;"
)


def _changed(columns, distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _sqlite(table: str, at: str, columns) -> list[str]:
    moved = _changed(("organisation_id", at), "IS NOT")
    name = f"{table}_report_{VERSION}"
    return [
        f"""CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN
            {MARK} VALUES (NEW.organisation_id, NEW.{at}); END""",
        f"""CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN
            {MARK} VALUES (OLD.organisation_id, OLD.{at}); END""",
        f"""CREATE TRIGGER {name}_update AFTER UPDATE ON {table}
            WHEN {_changed(columns, "IS NOT")} BEGIN
            {MARK} VALUES (OLD.organisation_id, OLD.{at});
            {MARK} SELECT NEW.organisation_id, NEW.{at} WHERE {moved}; END""",
    ]


def _postgresql(table: str, at: str, columns) -> list[str]:
    moved = _changed(("organisation_id", at), "IS DISTINCT FROM")
    name = f"{table}_report_{VERSION}"
    return [
        f"""CREATE OR REPLACE FUNCTION {name}_mark() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN {MARK} VALUES (OLD.organisation_id, OLD.{at}); END IF;
              IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND ({moved})) THEN
                {MARK} VALUES (NEW.organisation_id, NEW.{at});
              END IF;
              RETURN NULL;
            END $$""",
        f"""CREATE TRIGGER {name}_insert_delete AFTER INSERT OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {name}_mark()""",
        f"""CREATE TRIGGER {name}_update AFTER UPDATE ON {table} FOR EACH ROW
            WHEN ({_changed(columns, "IS DISTINCT FROM")})
            EXECUTE FUNCTION {name}_mark()""",
    ]


def statements(vendor: str) -> list[str]:
    person = f"cases_person_report_{VERSION}"
    if vendor == "postgresql":
        result = [s for table in TABLES for s in _postgresql(*table)]
        return result + [
            f"""CREATE OR REPLACE FUNCTION {person}_mark() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN {PERSON_MARKS} RETURN NULL; END $$""",
            f"""CREATE TRIGGER {person}_update AFTER UPDATE ON cases_person FOR EACH ROW
                WHEN (OLD.is_repeated_caller IS DISTINCT FROM NEW.is_repeated_caller)
                EXECUTE FUNCTION {person}_mark()""",
        ]
    if vendor == "sqlite":
        result = [s for table in TABLES for s in _sqlite(*table)]
        return result + [
            f"""CREATE TRIGGER {person}_update AFTER UPDATE OF is_repeated_caller ON cases_person
                WHEN OLD.is_repeated_caller IS NOT NEW.is_repeated_caller BEGIN
                {PERSON_MARKS} END"""
        ]
    raise NotImplementedError(f"the report rollup has no triggers for {vendor}")


def expected_names(vendor: str) -> set[str]:
    if vendor == "postgresql":
        suffixes: tuple[str, ...] = ("insert_delete", "update")
    else:
        suffixes = ("insert", "delete", "update")
    names = {f"{table}_report_{VERSION}_{s}" for table, _at, _c in TABLES for s in suffixes}
    return names | {f"cases_person_report_{VERSION}_update"}


def installed_names(connection) -> set[str]:
    """Our triggers (any version) in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                ["%\\_report\\_v%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                "ESCAPE '\\'",
                ["%\\_report\\_v%"],
            )
        return {row[0] for row in cursor.fetchall()}


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, relname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
                "WHERE NOT tgisinternal AND tgname LIKE %s",
                ["%\\_report\\_v%"],
            )
            for name, table in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        else:
            for name in installed_names(connection):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def ensure_triggers(connection) -> bool:
    """Install the current triggers unless exactly they are there; returns True if it had to.
    Rollup rows that exist when triggers were missing are deleted (they may have missed
    changes)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        return False
    if "reports_stalereportday" not in connection.introspection.table_names():
        return False  # migrated back before the rollup: nothing to mark into
    if installed_names(connection) == expected_names(connection.vendor):
        return False
    from django.db import transaction

    from xinyuan.reports.models import DailyCentreStats

    with transaction.atomic(using=connection.alias):
        drop_triggers(connection)
        with connection.cursor() as cursor:
            for statement in statements(connection.vendor):
                cursor.execute(statement)
        DailyCentreStats.objects.using(connection.alias).all().delete()
    return True
