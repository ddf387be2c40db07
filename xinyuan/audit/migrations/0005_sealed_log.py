"""The sealed audit log (issue 9): appending is one INSERT without a lock; the sealer gives each
event its place (AuditSeal) and signs checkpoints (AuditCheckpoint) with a key the database does
not hold. The unkeyed hash chain (sequence, prev_hash, hash, AuditChainHead) goes: existing
events are sealed, in id order, by the sealer's first run.

The append-only triggers are removed before the event table changes (on SQLite, Django rebuilds
the table and would drop them silently) and installed again afterwards on all three tables.
The statements are kept here as of this migration's day.
"""

import django.db.models.deletion
from django.db import migrations, models

MESSAGE = "audit events are append-only"
TABLES = {"audit_auditevent": "event", "audit_auditseal": "seal", "audit_auditcheckpoint": "checkpoint"}
FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;"
)


def _install(vendor, tables):
    if vendor == "postgresql":
        statements = [FUNCTION]
        for table in tables:
            short = TABLES[table]
            statements += [
                f"DROP TRIGGER IF EXISTS audit_{short}_append_only ON {table};",
                f"CREATE TRIGGER audit_{short}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();",
                f"DROP TRIGGER IF EXISTS audit_{short}_no_truncate ON {table};",
                f"CREATE TRIGGER audit_{short}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();",
            ]
        return statements
    return [
        f"CREATE TRIGGER IF NOT EXISTS audit_{TABLES[table]}_no_{verb.lower()} BEFORE {verb} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        for table in tables
        for verb in ("UPDATE", "DELETE")
    ]


def _remove(vendor, tables):
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS audit_{TABLES[table]}_{name} ON {table};"
            for table in tables
            for name in ("no_truncate", "append_only")
        ]
    return [
        f"DROP TRIGGER IF EXISTS audit_{TABLES[table]}_no_{verb};"
        for table in tables
        for verb in ("update", "delete")
    ]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def lift_event_triggers(apps, schema_editor):
    _run(schema_editor, _remove(schema_editor.connection.vendor, ["audit_auditevent"]))


def put_back_event_triggers(apps, schema_editor):
    _run(schema_editor, _install(schema_editor.connection.vendor, ["audit_auditevent"]))


def install_all(apps, schema_editor):
    _run(schema_editor, _install(schema_editor.connection.vendor, list(TABLES)))


def remove_new(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, _remove(vendor, ["audit_auditseal", "audit_auditcheckpoint"]))
    _run(schema_editor, _remove(vendor, ["audit_auditevent"]))


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_subject_keys"),
    ]

    operations = [
        migrations.RunPython(lift_event_triggers, put_back_event_triggers),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.RemoveField(model_name="auditevent", name="hash"),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveField(model_name="auditevent", name="sequence"),
        migrations.RemoveField(model_name="auditevent", name="updated_at"),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("sequence", models.BigIntegerField(primary_key=True, serialize=False)),
                ("chain", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
                ("key_id", models.CharField(max_length=16)),
                ("signature", models.CharField(max_length=100)),
                ("high_event_id", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["created_at"], name="audit_checkpoint_created")],
            },
        ),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("sequence", models.BigIntegerField(primary_key=True, serialize=False)),
                ("leaf", models.CharField(max_length=64)),
                ("chain", models.CharField(max_length=64)),
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="seal",
                        to="audit.auditevent",
                    ),
                ),
            ],
        ),
        migrations.RunPython(install_all, remove_new),
    ]
