"""The live board (值班看板): what a duty lead needs in the first ten seconds of looking.

Reads only, for one centre (the user's), from the primary database: a board that lags behind a
replica would show a call that ended or miss an alert just raised. Every part is one bounded,
index-friendly statement (the partial costs a fixed number of statements, tested):

- seats staffed now and by whom (``operations.selectors.shifts_now``);
- seats required and staffed this hour, and the next hour below the promise
  (``operations.selectors.coverage_for``: the service hours and the shifts of 14 days);
- contacts in progress: running time, seat, counsellor, stage, risk — never the caller;
- open alerts and their age (oldest first within a level);
- follow-ups overdue and due later today (counts);
- today's contacts by hour against the mean of the same weekday in the 4 weeks before;
- answer rate and speed of answer today from the switch's call events (``hotline.call_stats``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import ExtractHour
from django.utils import timezone

from xinyuan.cases.models import FollowUp, FollowUpStatus
from xinyuan.core import permissions
from xinyuan.hotline.call_stats import call_event_summary
from xinyuan.hotline.models import Contact, ContactStatus, RiskAlert, RiskLevel
from xinyuan.operations import rules as coverage_rules
from xinyuan.operations.models import Shift
from xinyuan.operations.selectors import coverage_for, shifts_now

POLL_SECONDS = 10
MAX_CONTACTS = 15
MAX_ALERTS = 8
COMPARE_WEEKS = 4
GAP_DAYS = 14

# An alert's level, the worst first.
_WORST_FIRST = Case(
    When(level=RiskLevel.IMMINENT, then=Value(0)),
    When(level=RiskLevel.HIGH, then=Value(1)),
    default=Value(2),
)


@dataclass(frozen=True)
class Volume:
    hours: list[int]  # 0 … 23
    today: list[int | None]  # contacts started in each hour today; None for hours to come
    average: list[float]  # mean of the same hour on the same weekday, COMPARE_WEEKS weeks back
    today_so_far: int
    average_so_far: float  # the mean of those weekdays up to the same time of day
    average_day: float

    @property
    def chart(self) -> dict[str, Any]:
        """The numbers the ECharts chart is drawn from (labels are added by the template)."""
        return {
            "hours": [f"{h:02d}" for h in self.hours],
            "today": self.today,
            "average": [round(v, 1) for v in self.average],
        }


@dataclass(frozen=True)
class InProgress:
    contact: Contact
    running: str  # how long it has run, "mm:ss"


@dataclass(frozen=True)
class Board:
    now: datetime
    shifts: list[Shift]
    this_hour: coverage_rules.HourCoverage | None
    next_gap: coverage_rules.HourCoverage | None
    contacts: list[InProgress]
    contacts_total: int
    alerts: list[RiskAlert]
    alerts_total: int
    follow_ups_overdue: int
    follow_ups_due_today: int
    volume: Volume
    calls: dict[str, Any] | None  # call_event_summary of today; None when the switch sent none
    poll_seconds: int = POLL_SECONDS
    # A call's usual length (minutes): the running time turns amber, then red, past these.
    typical_minutes: tuple[int, int] = (40, 60)


def may_see_board(user) -> bool:
    return permissions.has_perm(user, permissions.VIEW_LIVE_BOARD) and bool(user.organisation_id)


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def running_time(start: datetime, end: datetime) -> str:
    """ "mm:ss", or "h:mm:ss" past an hour: as the page's ticking timer writes it (app.js)."""
    seconds = max(0, int((end - start).total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    if minutes >= 60:
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def _contacts_in_progress(organisation_id: int) -> tuple[list[Contact], int]:
    """Open contacts, the longest running first; the caller's details are not read."""
    in_progress = Contact.objects.filter(organisation_id=organisation_id, status=ContactStatus.OPEN)
    rows = list(
        in_progress.select_related("seat", "counsellor")
        .only(
            "public_id",
            "number",
            "channel",
            "contact_type",
            "started_at",
            "ended_at",
            "current_stage",
            "risk_level",
            "seat__code",
            "counsellor__alias",
            "counsellor__username",
        )
        .order_by("started_at")[: MAX_CONTACTS + 1]
    )
    total = len(rows) if len(rows) <= MAX_CONTACTS else in_progress.count()
    return rows[:MAX_CONTACTS], total


def _open_alerts(organisation_id: int) -> tuple[list[RiskAlert], int]:
    """Alerts nobody has taken yet: the worst level first, then the oldest."""
    open_alerts = RiskAlert.objects.filter(
        organisation_id=organisation_id, acknowledged_at__isnull=True
    )
    rows = list(
        open_alerts.select_related("contact")
        .only(
            "public_id",
            "kind",
            "level",
            "created_at",
            "escalated_at",
            "contact__public_id",
            "contact__number",
        )
        .order_by(_WORST_FIRST, "created_at")[: MAX_ALERTS + 1]
    )
    total = len(rows) if len(rows) <= MAX_ALERTS else open_alerts.count()
    return rows[:MAX_ALERTS], total


def _follow_ups(organisation_id: int, now: datetime, day_end: datetime) -> tuple[int, int]:
    counts = FollowUp.objects.filter(
        organisation_id=organisation_id, status=FollowUpStatus.SCHEDULED, due_at__lt=day_end
    ).aggregate(
        overdue=Count("id", filter=Q(due_at__lt=now)),
        due_today=Count("id", filter=Q(due_at__gte=now)),
    )
    return counts["overdue"], counts["due_today"]


def _volume(organisation_id: int, now: datetime) -> Volume:
    """One statement: contacts by local hour on today and on the same weekday of the
    ``COMPARE_WEEKS`` weeks before — a UNION ALL of one-day ranges, each on the (centre, start)
    index (an OR of the ranges let SQLite walk the centre's every contact)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local_now = now.astimezone(zone)
    days = [local_now.date() - timedelta(weeks=n) for n in range(COMPARE_WEEKS + 1)]
    parts = []
    for weeks_back, day in enumerate(days):
        start = _local_day_start(day)
        parts.append(
            Contact.objects.filter(
                organisation_id=organisation_id,
                started_at__gte=start,
                started_at__lt=start + timedelta(days=1),
            )
            .annotate(hour=ExtractHour("started_at", tzinfo=zone))
            .values("hour")
            .annotate(n=Count("id"), weeks_back=Value(weeks_back))
            .values_list("weeks_back", "hour", "n")
            .order_by()
        )
    counts: dict[tuple[int, int], int] = {}
    for weeks_back, hour, n in parts[0].union(*parts[1:], all=True):
        counts[(weeks_back, hour)] = counts.get((weeks_back, hour), 0) + n
    hours = list(range(24))
    today_by_hour: list[int | None] = [
        counts.get((0, h), 0) if h <= local_now.hour else None for h in hours
    ]
    average = [
        sum(counts.get((w, h), 0) for w in range(1, COMPARE_WEEKS + 1)) / COMPARE_WEEKS
        for h in hours
    ]
    # Up to the same time of day: the whole hours before, and the share of this hour gone by.
    fraction = (local_now.minute * 60 + local_now.second) / 3600
    average_so_far = sum(average[: local_now.hour]) + average[local_now.hour] * fraction
    return Volume(
        hours=hours,
        today=today_by_hour,
        average=average,
        today_so_far=sum(v for v in today_by_hour if v is not None),
        average_so_far=average_so_far,
        average_day=sum(average),
    )


def live_board(user, now: datetime | None = None) -> Board:
    """The board of the user's centre (callers check ``may_see_board`` first)."""
    now = now or timezone.now()
    org = user.organisation_id
    local_now = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    day_start = _local_day_start(local_now.date())
    coverage = coverage_for(org, now, GAP_DAYS)
    contacts, contacts_total = _contacts_in_progress(org)
    alerts, alerts_total = _open_alerts(org)
    overdue, due_today = _follow_ups(org, now, day_start + timedelta(days=1))
    calls = call_event_summary([org], day_start, now + timedelta(seconds=1))
    return Board(
        now=now,
        shifts=list(
            shifts_now(org, now).only(
                "starts_at", "ends_at", "seat__code", "user__alias", "user__username"
            )
        ),
        this_hour=coverage[0] if coverage else None,
        next_gap=next((hour for hour in coverage if hour.is_gap), None),
        contacts=[InProgress(c, running_time(c.started_at, c.ended_at or now)) for c in contacts],
        contacts_total=contacts_total,
        alerts=alerts,
        alerts_total=alerts_total,
        follow_ups_overdue=overdue,
        follow_ups_due_today=due_today,
        volume=_volume(org, now),
        calls=calls if calls["offered"] else None,
        typical_minutes=(
            settings.CONTACT_TYPICAL_MINUTES[0],
            settings.CONTACT_TYPICAL_MINUTES[1],
        ),
    )
