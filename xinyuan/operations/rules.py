"""Pure rules of running the centre: which hours are below the seats the centre promised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

RULE_VERSION = "coverage-2026.1"


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 = Monday
    starts_at: time
    ends_at: time  # 00:00 = midnight at the end of the day
    min_seats: int


@dataclass(frozen=True)
class Staffed:
    seat_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class HourCoverage:
    starts_at: datetime  # local, aware
    required: int
    staffed: int

    @property
    def is_gap(self) -> bool:
        return self.staffed < self.required


def required_seats(windows: Iterable[Window], hour: datetime) -> int:
    """Seats the centre promised for the hour starting at ``hour`` (local time): the largest
    minimum of the windows of that weekday covering the whole hour; 0 outside service hours."""
    best = 0
    for window in windows:
        if window.weekday != hour.weekday():
            continue
        start = window.starts_at.hour * 60 + window.starts_at.minute
        end = window.ends_at.hour * 60 + window.ends_at.minute or 24 * 60
        minute = hour.hour * 60 + hour.minute
        if start <= minute and minute + 60 <= end:
            best = max(best, window.min_seats)
    return best


def coverage(
    windows: Iterable[Window], shifts: Iterable[Staffed], start: datetime, hours: int
) -> list[HourCoverage]:
    """For each whole hour from ``start`` (local, aware, on the hour): seats required and seats
    staffed. A seat counts for an hour when someone's shift covers the whole hour on it; two
    people on one seat are one seat."""
    windows = list(windows)
    shifts = list(shifts)
    result = []
    for n in range(hours):
        hour = start + timedelta(hours=n)
        end = hour + timedelta(hours=1)
        seats = {s.seat_id for s in shifts if s.starts_at <= hour and s.ends_at >= end}
        result.append(HourCoverage(hour, required_seats(windows, hour), len(seats)))
    return result


# =============================================================================================
# Load and burn-out signals (OP-02): each person's hours, nights, rest and high-risk contacts in
# an ISO week, against the centre's own limits. Everything here is local time (Asia/Shanghai);
# datetimes in are aware, in any zone.
#
# Precisely:
# - The week runs from Monday 00:00 to the next Monday 00:00, local time.
# - A person's shifts are first merged where they overlap or touch (two seats at once, or 08–12
#   then 12–16, is one stretch of duty): time is never counted twice, and back-to-back shifts
#   are no "rest" of zero hours.
# - Hours: the length of the person's stretches clipped to the week (a shift from Sunday 22:00
#   to Monday 06:00 gives 2 hours to one week and 6 to the next).
# - Nights: a night is 22:00 to 06:00 local time. A person works a night when a stretch overlaps
#   it for any time (ending at 22:00 or starting at 06:00 is no overlap). Each night counts once
#   however many shifts fall in it, in the week in which the person's work in that night begins
#   (Sunday 22:00–Monday 06:00 is a night of the week that ends that Sunday; Monday 00:00–08:00
#   one of the week that starts that Monday).
# - Rest: the time between the end of a stretch and the start of the next one. A rest belongs to
#   the week in which it ends, so the rest after the last shift of the previous week counts.
# - High-risk contacts: the contacts the person handled that started in the week and were last
#   judged at high or imminent risk (counted by the caller of these rules).
# - Over a limit: strictly more hours, nights or high-risk contacts than the limit, or a rest
#   strictly shorter than the minimum; exactly at the limit is within it.
# The limits are the centre's own settings (``WorkloadLimits``); the defaults below are a
# starting point for a centre, not clinical or legal guidance.
# =============================================================================================

LOAD_RULE_VERSION = "load-2026.1"

NIGHT_STARTS_AT = time(22, 0)
NIGHT_ENDS_AT = time(6, 0)


@dataclass(frozen=True)
class LoadLimits:
    max_hours_per_week: float
    max_night_shifts_per_week: int
    min_rest_hours: float
    max_high_risk_contacts_per_week: int


# 40 h: a full-time working week under the PRC Labour Law (8 h a day, 44 h a week at most);
# 11 h rest: the usual daily-rest floor for shift work; 2 nights and 10 high-risk contacts a week:
# conservative starting points for a centre to adjust. None of them is clinical guidance.
DEFAULT_LOAD_LIMITS = LoadLimits(
    max_hours_per_week=40,
    max_night_shifts_per_week=2,
    min_rest_hours=11,
    max_high_risk_contacts_per_week=10,
)

OVER_HOURS = "hours"
OVER_NIGHTS = "nights"
OVER_REST = "rest"
OVER_HIGH_RISK = "high_risk"


@dataclass(frozen=True)
class Stretch:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class WeekLoad:
    worked: timedelta
    night_shifts: int
    shortest_rest: timedelta | None  # None: no rest ends in the week
    high_risk_contacts: int

    @property
    def hours(self) -> float:
        return round(self.worked.total_seconds() / 3600, 1)

    @property
    def shortest_rest_hours(self) -> float | None:
        if self.shortest_rest is None:
            return None
        return round(self.shortest_rest.total_seconds() / 3600, 1)


def week_start_of(day: date) -> date:
    """The Monday of the ISO week holding ``day``."""
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in ``tz`` (aware)."""
    start = datetime.combine(week_start, time(0), tzinfo=tz)
    end = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz)
    return start, end


def merge_stretches(shifts: Iterable[Stretch]) -> list[Stretch]:
    """The person's shifts merged where they overlap or touch, in time order."""
    merged: list[Stretch] = []
    for shift in sorted(shifts, key=lambda s: (s.starts_at, s.ends_at)):
        if merged and shift.starts_at <= merged[-1].ends_at:
            last = merged[-1]
            if shift.ends_at > last.ends_at:
                merged[-1] = Stretch(last.starts_at, shift.ends_at)
        else:
            merged.append(shift)
    return merged


def _nights_of(stretch: Stretch, tz: tzinfo) -> dict[date, datetime]:
    """The nights (by the date of their 22:00) the stretch overlaps → when its work in it starts."""
    found: dict[date, datetime] = {}
    local_start = stretch.starts_at.astimezone(tz)
    day = local_start.date() - timedelta(days=1)  # the night that began the evening before
    while True:
        night_start = datetime.combine(day, NIGHT_STARTS_AT, tzinfo=tz)
        night_end = datetime.combine(day + timedelta(days=1), NIGHT_ENDS_AT, tzinfo=tz)
        if night_start >= stretch.ends_at:
            return found
        if stretch.starts_at < night_end and stretch.ends_at > night_start:
            found[day] = max(stretch.starts_at, night_start)
        day += timedelta(days=1)


def week_load(
    shifts: Iterable[Stretch], high_risk_contacts: int, week_start: date, tz: tzinfo
) -> WeekLoad:
    """One person's load in the week starting on Monday ``week_start``. ``shifts`` must include
    those around the week (the day before, for the rest that ends in the week)."""
    start, end = week_bounds(week_start, tz)
    stretches = merge_stretches(shifts)
    worked = timedelta(0)
    nights: dict[date, datetime] = {}
    shortest: timedelta | None = None
    previous: Stretch | None = None
    for stretch in stretches:
        clipped = min(stretch.ends_at, end) - max(stretch.starts_at, start)
        if clipped > timedelta(0):
            worked += clipped
        for night, begins in _nights_of(stretch, tz).items():
            nights[night] = min(begins, nights.get(night, begins))
        if previous is not None and start <= stretch.starts_at < end:
            rest = stretch.starts_at - previous.ends_at
            shortest = rest if shortest is None else min(shortest, rest)
        previous = stretch
    night_count = sum(1 for begins in nights.values() if start <= begins < end)
    return WeekLoad(
        worked=worked,
        night_shifts=night_count,
        shortest_rest=shortest,
        high_risk_contacts=high_risk_contacts,
    )


def limits_exceeded(load: WeekLoad, limits: LoadLimits) -> tuple[str, ...]:
    """The limits the week's load is over, in a fixed order (hours, nights, rest, high risk)."""
    over = []
    if load.worked > timedelta(hours=float(limits.max_hours_per_week)):
        over.append(OVER_HOURS)
    if load.night_shifts > limits.max_night_shifts_per_week:
        over.append(OVER_NIGHTS)
    if load.shortest_rest is not None and load.shortest_rest < timedelta(
        hours=float(limits.min_rest_hours)
    ):
        over.append(OVER_REST)
    if load.high_risk_contacts > limits.max_high_risk_contacts_per_week:
        over.append(OVER_HIGH_RISK)
    return tuple(over)


# Training currency (OP-03) ---------------------------------------------------------------------

TRAINING_RULE_VERSION = "training-2026.1"
# A required topic whose record runs out within this many days is warned about.
EXPIRY_WARNING_DAYS = 30


class TrainingState:
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


def training_state(expires_on: date | None, today: date, *, held: bool = True) -> str:
    """The state of one person's best record of a topic: current (no expiry, or beyond the
    warning window), expiring (within ``EXPIRY_WARNING_DAYS`` days, the last day included),
    expired (before ``today``), or missing (no record at all)."""
    if not held:
        return TrainingState.MISSING
    if expires_on is None:
        return TrainingState.CURRENT
    if expires_on < today:
        return TrainingState.EXPIRED
    if expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return TrainingState.EXPIRING
    return TrainingState.CURRENT


def best_expiry(expiries: Iterable[date | None]) -> date | None:
    """Of several records of one topic, the one that holds longest (no expiry beats any)."""
    values = list(expiries)
    if any(value is None for value in values):
        return None
    return max(values)  # type: ignore[type-var]


# Complaints (HL-15) ----------------------------------------------------------------------------


def complaint_is_overdue(
    received_at: datetime, resolved: bool, now: datetime, *, days: int
) -> bool:
    """An entry not resolved ``days`` days after it came in is overdue (0: never)."""
    return not resolved and days > 0 and now - received_at > timedelta(days=days)


# Service hours in words (the work report's header) ---------------------------------------------


def describe_service_hours(
    windows: Iterable[Window], weekday_names: list[str], every_day: str
) -> str:
    """The promised hours in a line, e.g. "每天 08:00–22:00" or "星期一、星期三 09:00–17:00；
    星期六 00:00–24:00": windows with the same hours are grouped, every weekday as ``every_day``."""
    by_hours: dict[tuple[time, time], list[int]] = {}
    for window in sorted(windows, key=lambda w: (w.starts_at, w.ends_at, w.weekday)):
        days = by_hours.setdefault((window.starts_at, window.ends_at), [])
        if window.weekday not in days:
            days.append(window.weekday)
    parts = []
    for (start, end), days in by_hours.items():
        when = every_day if len(days) == 7 else "、".join(weekday_names[d] for d in sorted(days))
        until = "24:00" if end == time(0) else f"{end:%H:%M}"
        parts.append(f"{when} {start:%H:%M}–{until}")
    return "；".join(parts)
