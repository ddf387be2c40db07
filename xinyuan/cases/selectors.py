"""Reads for persons and follow-ups, scoped to the actor."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from xinyuan.accounts import permissions
from xinyuan.cases.models import CallerIdentity, FollowUp, FollowUpStatus, Person


def count_recent_contacts(*, person: Person, since: datetime) -> int:
    from xinyuan.hotline.models import Contact

    return Contact.objects.filter(person=person, started_at__gte=since).count()


def persons_visible_to(user) -> QuerySet[Person]:
    if not user.is_authenticated or user.organisation_id is None:
        return Person.objects.none()
    if not (
        permissions.has_perm(user, permissions.HANDLE_CONTACTS)
        or permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS)
    ):
        return Person.objects.none()
    return Person.objects.filter(organisation_id=user.organisation_id)


def identities_visible_to(user) -> QuerySet[CallerIdentity]:
    """Identities whose number the user may reveal (the values stay encrypted until then)."""
    if user.organisation_id is None:
        return CallerIdentity.objects.none()
    qs = CallerIdentity.objects.filter(organisation_id=user.organisation_id)
    if permissions.has_perm(user, permissions.REVEAL_CALLER_IDENTITY):
        return qs
    if permissions.has_perm(user, permissions.PERFORM_FOLLOW_UPS):
        return qs.filter(
            person__follow_ups__assigned_to=user,
            person__follow_ups__status=FollowUpStatus.SCHEDULED,
        ).distinct()
    return CallerIdentity.objects.none()


def follow_ups_visible_to(user) -> QuerySet[FollowUp]:
    if not user.is_authenticated or user.organisation_id is None:
        return FollowUp.objects.none()
    qs = FollowUp.objects.filter(organisation_id=user.organisation_id).select_related(
        "contact", "person", "assigned_to"
    )
    if permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS):
        return qs
    if permissions.has_perm(user, permissions.PERFORM_FOLLOW_UPS):
        return qs.filter(assigned_to=user)
    return FollowUp.objects.none()


def due_follow_ups(user, *, now: datetime | None = None) -> QuerySet[FollowUp]:
    """Scheduled follow-ups, the most overdue first."""
    now = now or timezone.now()
    return follow_ups_visible_to(user).filter(status=FollowUpStatus.SCHEDULED).order_by("due_at")
