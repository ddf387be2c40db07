from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyuan.audit import registry
from xinyuan.audit.models import AuditEvent
from xinyuan.core import permissions


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The audit trail of the actor's organisation: who did what to which record, no content."""
    if not permissions.has_perm(user, permissions.VIEW_AUDIT):
        return AuditEvent.objects.none()
    return (
        AuditEvent.objects.filter(organisation_id=user.organisation_id)
        .select_related("actor", "seal")
        .order_by("-id")
    )


# A list or search event names every record it returned (audit.actions.do_record_list_view);
# finding a person's records in those events reads their text, so a person with more records
# than this is matched by the events about the records themselves only.
LIST_MATCH_LIMIT = 200


def _naming(record_ids) -> Q:
    """Events about these records, and the list or search events that returned them."""
    ids = list(record_ids)
    condition = Q(target_id__in=ids)
    if 0 < len(ids) <= LIST_MATCH_LIMIT:
        listed = Q()
        for record_id in ids:
            listed |= Q(changes_json__contains=f'"{record_id}"')
        condition |= Q(action="list") & listed
    return condition


def search_events(user, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user)
    if filters.get("user"):
        qs = qs.filter(actor__username=filters["user"])
    if filters.get("record"):
        qs = qs.filter(_naming([filters["record"]]))
    if filters.get("person"):
        qs = qs.filter(_naming(registry.person_record_ids(user.organisation_id, filters["person"])))
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("date_from"):
        start: date = filters["date_from"]
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(start, time.min)))
    if filters.get("date_to"):
        end: date = filters["date_to"] + timedelta(days=1)
        qs = qs.filter(created_at__lt=timezone.make_aware(datetime.combine(end, time.min)))
    return qs


def last_event_at(*, actor, action: str, target, since: datetime) -> datetime | None:
    """When ``actor`` last did ``action`` to ``target`` since ``since`` (a grant that the trail
    itself records, e.g. a director's reason to read a contact's notes)."""
    return (
        AuditEvent.objects.filter(
            target_type=target._meta.label_lower,
            target_id=target.public_id,
            created_at__gte=since,
            actor_id=actor.pk,
            action=action,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
