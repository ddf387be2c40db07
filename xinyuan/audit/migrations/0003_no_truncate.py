from django.db import migrations

# PostgreSQL only: row triggers do not fire on TRUNCATE, so a statement trigger refuses it.
INSTALL = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
]
REMOVE = ["DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;"]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in INSTALL:
            schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]
    operations = [migrations.RunPython(install, remove)]
