import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class AuditEvent(PublicModel):
    """Who did what to which record, when, from where. Written only through ``record()``.

    Append-only (database triggers refuse UPDATE and DELETE) and hash-chained: each event carries
    the hash of the previous one, so ``manage.py verify_audit`` detects any change or removal.
    """

    created_at = models.DateTimeField(db_index=True)
    sequence = models.BigIntegerField(unique=True)
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
    # reveals the fields read. Stored as text so the hash covers exactly what is stored.
    changes_json = models.TextField(default="{}")
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

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


class AuditChainHead(models.Model):
    """The last link of the chain (a single row): locked by every writer of an event."""

    last_sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain head #{self.last_sequence}"


class SubjectKey(models.Model):
    """The key that seals one contact's clinical words in the audit trail (crypto-shredding).

    Wrapped with the field-encryption key; deleted by retention and by an approved erasure,
    after which those words in the trail cannot be read (the chain still verifies)."""

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
