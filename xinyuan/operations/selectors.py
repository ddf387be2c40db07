"""Reads of running the centre, scoped to the actor's centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xinyuan.accounts.models import User
from xinyuan.core import permissions
from xinyuan.hotline.models import Contact, RiskLevel
from xinyuan.operations import rules
from xinyuan.operations.access import decide_workload
from xinyuan.operations.models import (
    REQUIRED_TOPICS,
    ServiceWindow,
    Shift,
    TrainingRecord,
    WorkloadLimits,
)


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


# =============================================================================================
# Load and burn-out signals (OP-02)
# =============================================================================================


@dataclass(frozen=True)
class WorkloadRow:
    user: Any
    load: rules.WeekLoad
    over: tuple[str, ...]  # rules.OVER_* in a fixed order; empty when within every limit


@dataclass(frozen=True)
class Workload:
    week_start: date
    starts_at: datetime  # Monday 00:00, local
    ends_at: datetime  # the next Monday 00:00, local
    limits: rules.LoadLimits
    limits_saved: bool  # False: the defaults apply (the centre saved none)
    rows: list[WorkloadRow]  # those over a limit first, then by name


def workload_limits_for(organisation_id: int | None) -> tuple[rules.LoadLimits, bool]:
    """The centre's limits and whether it saved them (otherwise the defaults)."""
    saved = (
        WorkloadLimits.objects.filter(organisation_id=organisation_id).first()
        if organisation_id is not None
        else None
    )
    if saved is None:
        return rules.DEFAULT_LOAD_LIMITS, False
    return (
        rules.LoadLimits(
            max_hours_per_week=float(saved.max_hours_per_week),
            max_night_shifts_per_week=saved.max_night_shifts_per_week,
            min_rest_hours=float(saved.min_rest_hours),
            max_high_risk_contacts_per_week=saved.max_high_risk_contacts_per_week,
        ),
        True,
    )


def saved_workload_limits(actor) -> WorkloadLimits | None:
    """The limits the actor's centre saved, for the page that edits them."""
    if actor.organisation_id is None:
        return None
    return WorkloadLimits.objects.filter(organisation_id=actor.organisation_id).first()


def workload_for(actor, week_start: date) -> Workload:
    """Each person's load in the ISO week starting on ``week_start`` (a Monday; another day
    means its week), as the actor may see it: the centre's counsellors and supervisors (and
    anyone else rostered that week) for those who see the staff's load, the actor's own line for
    whoever sees only their own, nothing otherwise. Four queries however many people: the
    limits, the people, the shifts of the week and a day either side, and the high-risk
    contacts counted per counsellor in one GROUP BY."""
    tz = ZoneInfo(settings.TIME_ZONE)
    week_start = rules.week_start_of(week_start)
    starts_at, ends_at = rules.week_bounds(week_start, tz)
    limits, limits_saved = workload_limits_for(actor.organisation_id)
    access = decide_workload(actor)
    empty = Workload(week_start, starts_at, ends_at, limits, limits_saved, [])
    if not access.can_view:
        return empty
    org_id = actor.organisation_id

    shifts = Shift.objects.filter(
        organisation_id=org_id,
        user__isnull=False,
        ends_at__gt=starts_at - timedelta(days=1),
        starts_at__lt=ends_at + timedelta(days=1),
    )
    contacts = Contact.objects.filter(
        organisation_id=org_id,
        risk_level__in=[RiskLevel.HIGH, RiskLevel.IMMINENT],
        started_at__gte=starts_at,
        started_at__lt=ends_at,
    )
    if access.can_view_staff:
        people = User.objects.filter(organisation_id=org_id).filter(
            Q(
                role__in=permissions.roles_with(permissions.VIEW_OWN_WORKLOAD),
                is_active=True,
            )
            | Q(
                pk__in=shifts.filter(ends_at__gt=starts_at, starts_at__lt=ends_at).values("user_id")
            )
        )
    else:
        people = User.objects.filter(pk=actor.pk)
        shifts = shifts.filter(user_id=actor.pk)
        contacts = contacts.filter(counsellor_id=actor.pk)

    by_user: dict[int, list[rules.Stretch]] = {}
    # No ordering: the rule sorts; the model's default order would join the seats.
    for user_id, shift_start, shift_end in shifts.order_by().values_list(
        "user_id", "starts_at", "ends_at"
    ):
        by_user.setdefault(user_id, []).append(rules.Stretch(shift_start, shift_end))
    high_risk = dict(
        contacts.order_by()
        .values("counsellor_id")
        .annotate(n=Count("id"))
        .values_list("counsellor_id", "n")
    )
    rows = []
    for person in people:
        load = rules.week_load(
            by_user.get(person.pk, []), high_risk.get(person.pk, 0), week_start, tz
        )
        rows.append(WorkloadRow(person, load, rules.limits_exceeded(load, limits)))
    rows.sort(key=lambda row: (not row.over, row.user.work_name, row.user.pk))
    return Workload(week_start, starts_at, ends_at, limits, limits_saved, rows)
