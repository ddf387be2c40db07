"""Reads of the directory, scoped to the user's centre."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xinyuan.directory.access import decide_directory
from xinyuan.directory.models import Institution


def institutions_visible_to(user) -> QuerySet[Institution]:
    if not decide_directory(user).can_view:
        return Institution.objects.none()
    return Institution.objects.filter(organisation_id=user.organisation_id)


def filter_institutions(
    qs: QuerySet[Institution],
    *,
    q: str = "",
    kind: str = "",
    green_channel: bool | None = None,
    active: bool | None = None,
) -> QuerySet[Institution]:
    """Search the name, region, services and phone (every word must match somewhere);
    filter by kind, green channel and active."""
    # A NUL cannot be in a PostgreSQL string literal (and is in no entry): dropped.
    for word in (q or "").replace("\x00", "").split():
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(region__icontains=word)
            | Q(services__icontains=word)
            | Q(phone__icontains=word)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if green_channel is not None:
        qs = qs.filter(green_channel=green_channel)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("-active", "name", "pk")


def active_institutions(user) -> QuerySet[Institution]:
    """What a referral or a safety plan may pick from (for the apps above)."""
    return institutions_visible_to(user).filter(active=True).order_by("name")
