"""Rows for the rota's tests (training records are written directly: their actions belong to
the training part)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from xinyuan.operations.actions import rota
from xinyuan.operations.models import REQUIRED_TOPICS, Shift, TrainingRecord


def trained(*users, expires_on: date | None = None, skip=()):
    """Give each user a current record of every required topic (except those in ``skip``)."""
    for user in users:
        for topic in REQUIRED_TOPICS:
            if topic in skip:
                continue
            TrainingRecord.objects.create(
                organisation_id=user.organisation_id,
                user=user,
                topic=topic,
                hours=4,
                completed_on=date(2026, 1, 1),
                expires_on=expires_on,
            )


def future_day(days: int = 2) -> date:
    return timezone.localdate() + timedelta(days=days)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return rota.shift_times(day, time(hour, minute), time(23, 59))[0]


def shift(seat, starts_at: datetime, hours: int = 4, user=None) -> Shift:
    """A shift row as the rota would hold it (no checks: a state to start from)."""
    return Shift.objects.create(
        organisation_id=seat.organisation_id,
        seat=seat,
        user=user,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
    )
