"""Hash-chain the audit trail and make it append-only (database triggers)."""

import json

from django.db import migrations, models

from xinyuan.audit.triggers import APPEND_ONLY_SQL


def chain_existing(apps, schema_editor):
    from xinyuan.audit.chain import GENESIS, event_hash

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
