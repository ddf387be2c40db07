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


# The rota ---------------------------------------------------------------------------------------


def rostered_now_condition(user_ref):
    """Registered with hotline (``hotline.duty``): the user has a shift covering now, by the
    database's clock."""
    from django.db.models import Exists
    from django.db.models.functions import Now

    return Exists(Shift.objects.filter(user_id=user_ref, starts_at__lte=Now(), ends_at__gt=Now()))


def current_shift_of(user) -> Shift | None:
    """The user's shift covering now (the workstation shows it by the duty toggle)."""
    now = timezone.now()
    return (
        Shift.objects.filter(user_id=user.pk, starts_at__lte=now, ends_at__gt=now)
        .select_related("seat")
        .order_by("ends_at")
        .first()
    )


def service_windows_of(organisation_id: int) -> QuerySet[ServiceWindow]:
    return ServiceWindow.objects.filter(organisation_id=organisation_id).order_by(
        "weekday", "starts_at"
    )


def shift_templates_of(organisation_id: int):
    from xinyuan.operations.models import ShiftTemplate

    return (
        ShiftTemplate.objects.filter(organisation_id=organisation_id)
        .select_related("seat", "default_user")
        .order_by("weekday", "starts_at", "seat__code")
    )


def seats_of(organisation_id: int):
    from xinyuan.hotline.models import Seat

    return Seat.objects.filter(organisation_id=organisation_id).order_by("code")


def rosterable_staff(organisation_id: int):
    """The centre's people who work shifts (counsellors, supervisors, directors)."""
    from xinyuan.accounts.models import User
    from xinyuan.core import permissions

    roles = set(permissions.roles_with(permissions.HANDLE_CONTACTS)) | set(
        permissions.roles_with(permissions.ACKNOWLEDGE_ALERTS)
    )
    return User.objects.filter(
        organisation_id=organisation_id, role__in=roles, is_active=True
    ).order_by("alias", "username")


def week_bounds(day) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 (local) of the week holding ``day``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    monday = day - timedelta(days=day.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    return start, start + timedelta(days=7)


def shifts_of_week(organisation_id: int, day) -> QuerySet[Shift]:
    """The shifts starting in the week (Monday–Sunday) holding ``day``, with seat and person."""
    start, end = week_bounds(day)
    return (
        Shift.objects.filter(
            organisation_id=organisation_id, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("seat", "user")
        .order_by("starts_at", "seat__code")
    )


def open_shift_requests(organisation_id: int):
    """Requests still waiting (for the colleague or for approval)."""
    from xinyuan.operations.models import ShiftRequest, ShiftRequestStatus

    return (
        ShiftRequest.objects.filter(
            organisation_id=organisation_id,
            status__in=(ShiftRequestStatus.ASKED, ShiftRequestStatus.ACCEPTED),
        )
        .select_related("shift__seat", "other_shift__seat", "requested_by", "colleague")
        .order_by("shift__starts_at")
    )


def my_upcoming_shifts(user, limit: int = 30) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(user_id=user.pk, ends_at__gt=timezone.now())
        .select_related("seat")
        .order_by("starts_at")[:limit]
    )


def shift_of_centre(organisation_id: int, public_id) -> Shift | None:
    return (
        Shift.objects.filter(organisation_id=organisation_id, public_id=public_id)
        .select_related("user", "seat")
        .first()
    )
