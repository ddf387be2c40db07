"""Report periods (pure): which calendar days a day, week, month, quarter, year or custom
period covers, the buckets a trend groups by, and the label a file name carries.

Days are the centre's calendar days (Asia/Shanghai, ``TIME_ZONE``); the selectors turn them into
aware datetimes. Weeks are ISO weeks (Monday to Sunday), as Chinese calendars count them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

RULE_VERSION = "reports-periods-1"

DAY, WEEK, MONTH, QUARTER, YEAR, CUSTOM = "day", "week", "month", "quarter", "year", "custom"
KINDS = (DAY, WEEK, MONTH, QUARTER, YEAR, CUSTOM)
GROUP_BY = (DAY, WEEK, MONTH)
MAX_DAYS = 366 * 3  # a custom period or a trend: at most three years


class PeriodError(ValueError):
    """A period that cannot be reported (reversed, too long, out of range): its message says
    why, in the user's language."""


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # first day, included
    last: date  # last day, included

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        """The period as a file name and a heading carry it: ``2026-11``, ``2026-Q4``…"""
        return period_label(self)


def period_for(kind: str, day: date, until: date | None = None) -> Period:
    """The period of ``kind`` that holds ``day`` (custom: ``day`` to ``until``)."""
    if kind == DAY:
        return Period(kind, day, day)
    if kind == WEEK:
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind == MONTH:
        last_day = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, day.replace(day=1), day.replace(day=last_day))
    if kind == QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        last_month = first_month + 2
        last_day = calendar.monthrange(day.year, last_month)[1]
        return Period(kind, date(day.year, first_month, 1), date(day.year, last_month, last_day))
    if kind == YEAR:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    if kind == CUSTOM:
        if until is None:
            raise PeriodError("a custom period needs its last day")
        if until < day:
            raise PeriodError("the start must not be after the end")
        if (until - day).days + 1 > MAX_DAYS:
            raise PeriodError("at most three years")
        return Period(kind, day, until)
    raise PeriodError(f"unknown period kind {kind!r}")


def period_label(period: Period) -> str:
    first = period.first
    if period.kind == DAY:
        return first.isoformat()
    if period.kind == WEEK:
        year, week, _weekday = first.isocalendar()
        return f"{year}-W{week:02d}"
    if period.kind == MONTH:
        return f"{first:%Y-%m}"
    if period.kind == QUARTER:
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    if period.kind == YEAR:
        return str(first.year)
    return f"{first.isoformat()}_{period.last.isoformat()}"


def bucket_start(group_by: str, day: date) -> date:
    """The first day of the bucket (day, ISO week, month) that holds ``day``."""
    if group_by not in GROUP_BY:
        raise PeriodError(f"unknown grouping {group_by!r}")
    return period_for(group_by, day).first


def buckets(first: date, last: date, group_by: str) -> list[Period]:
    """Every bucket from the one holding ``first`` to the one holding ``last``, each clipped to
    [first, last]: a trend shows empty buckets as zero rather than leaving them out."""
    if last < first:
        raise PeriodError("the start must not be after the end")
    result = []
    day = first
    while day <= last:
        whole = period_for(group_by, day)
        result.append(Period(group_by, max(whole.first, first), min(whole.last, last)))
        day = whole.last + timedelta(days=1)
    return result


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent with one decimal; None (shown "—") when nothing to
    divide: an answer rate with no call offered is unknown, not 100 %."""
    if not whole:
        return None
    return round(100 * part / whole, 1)


def missing_ranges(
    organisation_ids, first: date, last: date, have: set[tuple[int, date]]
) -> list[tuple[int, date, date]]:
    """The stretches of consecutive days of first…last, per centre, that are not in ``have``:
    (centre, first day, last day), to be computed from the contacts."""
    result = []
    for organisation_id in organisation_ids:
        run_first = None
        day = first
        while day <= last:
            if (organisation_id, day) in have:
                if run_first is not None:
                    result.append((organisation_id, run_first, day - timedelta(days=1)))
                    run_first = None
            elif run_first is None:
                run_first = day
            day += timedelta(days=1)
        if run_first is not None:
            result.append((organisation_id, run_first, last))
    return result


SMALL_GROUPS = "__small__"  # the label code of the merged small groups (the page names it)


def suppress_small_groups(rows: list[tuple[str, int]], minimum: int = 3) -> list[tuple[str, int]]:
    """Rows of (name, count) with every count below ``minimum`` merged into one row
    (``SMALL_GROUPS``), itself shown only when it reaches ``minimum`` — so that no count small
    enough to point at a person leaves the centre. Order kept; the merged row last."""
    kept = [(name, n) for name, n in rows if n >= minimum]
    small = sum(n for _name, n in rows if n < minimum)
    if small >= minimum:
        kept.append((SMALL_GROUPS, small))
    return kept
