"""Database triggers that make audit events append-only.

PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE for every role; only the table's owner
can disable them, so in production the app connects as a role that does not own the tables
(docs/deployment.md gives the grants).
SQLite: BEFORE UPDATE/DELETE triggers abort. Tests that flush the database between cases
(browser tests) lift the triggers for the flush only (``lifted``).
"""

from contextlib import contextmanager

from django.db import connection

MESSAGE = "audit events are append-only"

APPEND_ONLY_SQL = {
    "sqlite": {
        "install": [
            "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
            "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
        ],
        "remove": [
            "DROP TRIGGER IF EXISTS audit_event_no_update;",
            "DROP TRIGGER IF EXISTS audit_event_no_delete;",
        ],
    },
    "postgresql": {
        "install": [
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;",
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();",
            # Row triggers do not fire on TRUNCATE: a statement trigger refuses it too.
            "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
        ],
        "remove": [
            "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
            "DROP FUNCTION IF EXISTS audit_event_append_only();",
        ],
    },
}


def _run(kind: str) -> None:
    with connection.cursor() as cursor:
        for statement in APPEND_ONLY_SQL[connection.vendor][kind]:
            cursor.execute(statement)


@contextmanager
def lifted():
    """Only for test database flushes: remove the triggers, then put them back."""
    _run("remove")
    try:
        yield
    finally:
        _run("install")
