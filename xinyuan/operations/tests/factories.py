"""Records of running the centre in known states, built through actions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact, start_contact
from xinyuan.operations.actions import rota
from xinyuan.operations.models import REQUIRED_TOPICS, Shift, TrainingRecord


def closed_contact(counsellor, *, high_risk: bool = False, **kwargs):
    """A closed contact of ``counsellor``: a high-risk one with its assessment, safety plan
    and follow-up; otherwise one the caller ended before it was complete (no assessment)."""
    if high_risk:
        contact = high_risk_contact(counsellor, **kwargs)
        actions.do_save_safety_plan(actor=counsellor, contact=contact, data=FULL_PLAN)
        actions.do_book_follow_up(actor=counsellor, contact=contact, consent_given=True)
        contact.refresh_from_db()
        return actions.do_close_contact(
            actor=counsellor, contact=contact, version=contact.version, outcome="crisis"
        )
    contact = start_contact(counsellor, **kwargs)
    return actions.do_close_contact(
        actor=counsellor, contact=contact, version=contact.version, outcome="dropped"
    )


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
