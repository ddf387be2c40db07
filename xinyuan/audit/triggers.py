"""Database triggers that make the audit log append-only: its events, seals and checkpoints.

PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE for every role; only the table's owner
can disable them, so in production the app connects as a role that does not own the tables
(docs/deployment.md gives the grants).
SQLite: BEFORE UPDATE/DELETE triggers abort. Tests that flush the database between cases
(browser tests) lift the triggers for the flush only (``lifted``).

Someone who owns the database can still drop the triggers: that is what the seal is for
(``audit.sealing``, ``audit.verify``).
"""

from contextlib import contextmanager

from django.db import connection

MESSAGE = "audit events are append-only"

# table → short name used in the SQLite trigger names (the event table keeps its first names).
TABLES = {
    "audit_auditevent": "event",
    "audit_auditseal": "seal",
    "audit_auditcheckpoint": "checkpoint",
}


def _sqlite(table: str, short: str) -> tuple[list[str], list[str]]:
    install = [
        f"CREATE TRIGGER IF NOT EXISTS audit_{short}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        for verb in ("UPDATE", "DELETE")
    ]
    remove = [f"DROP TRIGGER IF EXISTS audit_{short}_no_{verb};" for verb in ("update", "delete")]
    return install, remove


def _postgresql(table: str, short: str) -> tuple[list[str], list[str]]:
    install = [
        f"DROP TRIGGER IF EXISTS audit_{short}_append_only ON {table};",
        f"CREATE TRIGGER audit_{short}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();",
        # Row triggers do not fire on TRUNCATE: a statement trigger refuses it too.
        f"DROP TRIGGER IF EXISTS audit_{short}_no_truncate ON {table};",
        f"CREATE TRIGGER audit_{short}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
    ]
    remove = [
        f"DROP TRIGGER IF EXISTS audit_{short}_no_truncate ON {table};",
        f"DROP TRIGGER IF EXISTS audit_{short}_append_only ON {table};",
    ]
    return install, remove


def _statements() -> dict[str, dict[str, list[str]]]:
    sql: dict[str, dict[str, list[str]]] = {
        "sqlite": {"install": [], "remove": []},
        "postgresql": {
            "install": [
                "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;"
            ],
            "remove": [],
        },
    }
    for vendor, build in (("sqlite", _sqlite), ("postgresql", _postgresql)):
        for table, short in TABLES.items():
            install, remove = build(table, short)
            sql[vendor]["install"] += install
            sql[vendor]["remove"] += remove
    sql["postgresql"]["remove"].append("DROP FUNCTION IF EXISTS audit_event_append_only();")
    return sql


APPEND_ONLY_SQL = _statements()


def install(schema_editor_or_none=None) -> None:
    _run("install", schema_editor_or_none)


def remove(schema_editor_or_none=None) -> None:
    _run("remove", schema_editor_or_none)


def _run(kind: str, schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor is not None else connection
    statements = APPEND_ONLY_SQL[conn.vendor][kind]
    if schema_editor is not None:
        for statement in statements:
            schema_editor.execute(statement)
        return
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextmanager
def lifted():
    """Only for test database flushes (and tests playing an attacker who owns the database):
    remove the triggers, then put them back."""
    _run("remove")
    try:
        yield
    finally:
        _run("install")
