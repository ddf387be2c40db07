import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class AuditEvent(PublicModel):
    """Who did what to which record, when, from where. Written only through ``record()``:
    one INSERT, no lock. The order of appends is the id.

    Append-only (database triggers refuse UPDATE, DELETE and TRUNCATE) and sealed within seconds
    by ``audit.sealing`` (``AuditSeal``, ``AuditCheckpoint``), so ``manage.py verify_audit``
    detects a change or a removal even by someone who can rewrite the database.
    """

    created_at = models.DateTimeField(db_index=True)
    updated_at = None  # type: ignore[assignment]  # never updated: no column outside the seal
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(max_length=60)
    target_id = models.UUIDField(null=True)
    # Canonical JSON (sorted keys, compact): for changes {"field": [old, new]}; for views and
    # reveals the fields read. Stored as text so the seal covers exactly what is stored.
    changes_json = models.TextField(default="{}")
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"]),
            models.Index(fields=["organisation", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
        ]

    @property
    def raw_changes(self) -> dict:
        """As stored: clinical values sealed (``audit.shred``)."""
        return json.loads(self.changes_json or "{}")

    def opened_changes(self, ring=None) -> dict:
        from xinyuan.audit.shred import open_changes

        return open_changes(self.raw_changes, ring)

    @property
    def changes(self) -> dict:
        """Sealed clinical values decrypted, or "(erased)" once their key was shredded."""
        return self.opened_changes()

    def opened_reason(self, ring=None) -> str:
        from xinyuan.audit.shred import open_reason

        return open_reason(self.reason, self.raw_changes, ring)


class AuditSeal(models.Model):
    """An event's place in the sealed log: its sequence (contiguous from 1, in sealing order),
    its leaf (SHA-256 of its content) and the chain value SHA-256(previous chain ‖ leaf).

    Written only by ``audit.sealing``; append-only like the events."""

    sequence = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    leaf = models.CharField(max_length=64)
    chain = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit seal #{self.sequence}"


class AuditCheckpoint(models.Model):
    """The chain value at ``sequence``, signed (Ed25519) with a key the database does not hold,
    after each batch of the sealer; also appended to the checkpoint file outside the database.

    ``high_event_id`` (the highest event id sealed so far) is the sealer's bookkeeping, not
    signed: it only bounds the sealer's search window."""

    sequence = models.BigIntegerField(primary_key=True)
    chain = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=100)
    high_event_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="audit_checkpoint_created")]

    def __str__(self) -> str:
        return f"audit checkpoint #{self.sequence}"


class SubjectKey(models.Model):
    """The key that seals one contact's clinical words in the audit trail (crypto-shredding).

    Wrapped with the field-encryption key; deleted by retention and by an approved erasure,
    after which those words in the trail cannot be read (the log still verifies)."""

    subject_type = models.CharField(max_length=20)
    subject_pk = models.BigIntegerField()
    wrapped_key = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_pk"], name="subject_key_once")
        ]

    def __str__(self) -> str:
        return f"key of {self.subject_type} {self.subject_pk}"
