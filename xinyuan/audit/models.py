from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class AuditEvent(PublicModel):
    """Who did what to which record, when, from where. Written only through ``record()``."""

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
    # For changes: {"field": [old, new]}; for views/reveals: the fields read.
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"]),
            models.Index(fields=["organisation", "created_at"]),
        ]
