"""Reads of running the centre, scoped to the actor's centre."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from xinyuan.operations import rules
from xinyuan.operations.models import REQUIRED_TOPICS, ServiceWindow, Shift, TrainingRecord


def _local_hour(moment: datetime) -> datetime:
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.replace(minute=0, second=0, microsecond=0)


def shifts_now(organisation_id: int, now: datetime | None = None) -> QuerySet[Shift]:
    """The shifts someone is on right now (who staffs which seat)."""
    now = now or timezone.now()
    return (
        Shift.objects.filter(
            organisation_id=organisation_id,
            user__isnull=False,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("seat", "user")
        .order_by("seat__code")
    )


def coverage_for(
    organisation_id: int, start: datetime | None = None, days: int = 14
) -> list[rules.HourCoverage]:
    """Every hour from the current one for ``days`` days: seats required and staffed."""
    first = _local_hour(start or timezone.now())
    last = first + timedelta(days=days)
    windows = [
        rules.Window(w.weekday, w.starts_at, w.ends_at, w.min_seats)
        for w in ServiceWindow.objects.filter(organisation_id=organisation_id)
    ]
    staffed = [
        rules.Staffed(seat_id, starts_at, ends_at)
        for seat_id, starts_at, ends_at in Shift.objects.filter(
            organisation_id=organisation_id,
            user__isnull=False,
            ends_at__gt=first,
            starts_at__lt=last,
        ).values_list("seat_id", "starts_at", "ends_at")
    ]
    return rules.coverage(windows, staffed, first, days * 24)


def next_coverage_gap(
    organisation_id: int, start: datetime | None = None, days: int = 14
) -> rules.HourCoverage | None:
    """The first hour within ``days`` days with fewer seats staffed than promised."""
    return next((hour for hour in coverage_for(organisation_id, start, days) if hour.is_gap), None)


def missing_required_training(user, on) -> list[str]:
    """The required pre-service topics the user holds no current record of on date ``on``."""
    held = set(
        TrainingRecord.objects.filter(user=user, completed_on__lte=on)
        .exclude(expires_on__lt=on)
        .values_list("topic", flat=True)
    )
    return [str(topic) for topic in REQUIRED_TOPICS if topic not in held]
