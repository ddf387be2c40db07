"""Pure rules of running the centre: which hours are below the seats the centre promised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

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
