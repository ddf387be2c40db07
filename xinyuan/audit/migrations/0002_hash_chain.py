"""Hash-chain the audit trail and make it append-only (database triggers)."""

import hashlib
import json

from django.db import migrations, models

# The statements and the hash of this migration's day, kept here: the code has moved on
# (audit/triggers.py, audit/chain.py; the chain was replaced by seals in 0005).
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
        ],
        "remove": [
            "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
            "DROP FUNCTION IF EXISTS audit_event_append_only();",
        ],
    },
}
GENESIS = "0" * 64


def event_hash(*, sequence, prev_hash, created_at, public_id, organisation_id, actor_id,
               actor_role, action, target_type, target_id, changes_json, reason, ip, user_agent):
    parts = (
        str(sequence), prev_hash, created_at.isoformat(), str(public_id),
        "" if organisation_id is None else str(organisation_id),
        "" if actor_id is None else str(actor_id),
        actor_role, action, target_type, "" if target_id is None else str(target_id),
        changes_json, reason, ip or "", user_agent,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    prev = GENESIS
    sequence = 0
    for event in AuditEvent.objects.order_by("created_at", "id").iterator():
        sequence += 1
        event.sequence = sequence
        event.prev_hash = prev
        event.changes_json = json.dumps(
            event.changes or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        event.hash = event_hash(
            sequence=sequence,
            prev_hash=prev,
            created_at=event.created_at,
            public_id=event.public_id,
            organisation_id=event.organisation_id,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            changes_json=event.changes_json,
            reason=event.reason,
            ip=event.ip,
            user_agent=event.user_agent,
        )
        event.save(update_fields=["sequence", "prev_hash", "changes_json", "hash"])
        prev = event.hash
    AuditChainHead.objects.update_or_create(
        pk=1, defaults={"last_sequence": sequence, "last_hash": prev}
    )


def install_triggers(apps, schema_editor):
    for statement in APPEND_ONLY_SQL[schema_editor.connection.vendor]["install"]:
        schema_editor.execute(statement)


def remove_triggers(apps, schema_editor):
    for statement in APPEND_ONLY_SQL[schema_editor.connection.vendor]["remove"]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_sequence", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default="0000000000000000000000000000000000000000000000000000000000000000", max_length=64)),
            ],
        ),
        migrations.AddField("auditevent", "sequence", models.BigIntegerField(null=True)),
        migrations.AddField("auditevent", "changes_json", models.TextField(default="{}")),
        migrations.AddField("auditevent", "prev_hash", models.CharField(default="", max_length=64)),
        migrations.AddField("auditevent", "hash", models.CharField(default="", max_length=64)),
        migrations.AlterField("auditevent", "created_at", models.DateTimeField(db_index=True)),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RemoveField("auditevent", "changes"),
        migrations.AlterField("auditevent", "sequence", models.BigIntegerField(unique=True)),
        migrations.AlterField("auditevent", "prev_hash", models.CharField(max_length=64)),
        migrations.AlterField("auditevent", "hash", models.CharField(max_length=64)),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "created_at"], name="audit_audit_actor_i_58da28_idx"),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
