from django.db.models import QuerySet

from xinyuan.accounts import permissions
from xinyuan.audit.models import AuditEvent


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The audit trail of the actor's organisation: who did what to which record, no content."""
    if not permissions.has_perm(user, permissions.VIEW_AUDIT):
        return AuditEvent.objects.none()
    return (
        AuditEvent.objects.filter(organisation_id=user.organisation_id)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
