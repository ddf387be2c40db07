"""Pure rules of running the centre: which hours are below the seats the centre promised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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
