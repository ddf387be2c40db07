from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinyuan.accounts import permissions
from xinyuan.audit.models import AuditEvent


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The audit trail of the actor's organisation: who did what to which record, no content."""
    if not permissions.has_perm(user, permissions.VIEW_AUDIT):
        return AuditEvent.objects.none()
    return (
        AuditEvent.objects.filter(organisation_id=user.organisation_id)
        .select_related("actor")
        .order_by("-sequence")
    )


def _person_record_ids(organisation_id, person: str) -> list:
    """The person's own id and the ids of every record that belongs to them."""
    from xinyuan.cases.models import CallerIdentity, FollowUp, Person
    from xinyuan.hotline.models import Contact, RiskAssessment

    people = Person.objects.filter(organisation_id=organisation_id)
    try:
        match = people.filter(Q(public_id=person) | Q(label__iexact=person))
    except Exception:  # noqa: BLE001 - not a UUID: search by label only
        match = people.filter(label__iexact=person)
    person_ids = list(match.values_list("pk", flat=True))
    if not person_ids:
        return []
    ids = list(match.values_list("public_id", flat=True))
    contacts = Contact.objects.filter(person_id__in=person_ids)
    ids += list(contacts.values_list("public_id", flat=True))
    ids += list(
        RiskAssessment.objects.filter(contact__person_id__in=person_ids).values_list(
            "public_id", flat=True
        )
    )
    ids += list(
        FollowUp.objects.filter(person_id__in=person_ids).values_list("public_id", flat=True)
    )
    ids += list(
        CallerIdentity.objects.filter(person_id__in=person_ids).values_list("public_id", flat=True)
    )
    return ids


def search_events(user, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user)
    if filters.get("user"):
        qs = qs.filter(actor__username=filters["user"])
    if filters.get("record"):
        qs = qs.filter(target_id=filters["record"])
    if filters.get("person"):
        qs = qs.filter(target_id__in=_person_record_ids(user.organisation_id, filters["person"]))
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("date_from"):
        start: date = filters["date_from"]
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(start, time.min)))
    if filters.get("date_to"):
        end: date = filters["date_to"] + timedelta(days=1)
        qs = qs.filter(created_at__lt=timezone.make_aware(datetime.combine(end, time.min)))
    return qs
