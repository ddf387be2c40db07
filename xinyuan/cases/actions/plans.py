"""Writes of a person's intervention plan (CM-03): set it up (approaches, goals, sessions
planned, a review date), change it, record the sessions held under it, and end it (completed or
discontinued, with the outcome).

One active plan per file. Each action is atomic, checks the file's access (``cases.access``),
locks the plan row and checks the version the page showed (a stale one is refused with
``ConflictError``, 409, nothing saved), and writes its audit event in the same transaction. The
audit event carries the coded changes, never the goals or a session's words."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinyuan.audit.actions import record
from xinyuan.cases.actions.files import require_file
from xinyuan.cases.models import (
    InterventionApproach,
    InterventionPlan,
    Person,
    PlanSession,
    PlanStatus,
    SessionProgress,
)
from xinyuan.core.errors import ConflictError

STALE_PLAN = gettext_lazy(
    "Someone else changed this plan since you opened it. Nothing was saved: reload it."
)
MAX_PLANNED_SESSIONS = 200
MAX_SESSION_MINUTES = 600


def _clean_plan(data: dict, *, today, review_was=None) -> dict:
    problems: dict[str, str] = {}
    approaches = [a for a in InterventionApproach.values if a in (data.get("approaches") or [])]
    if not approaches:
        problems["approaches"] = _("Choose at least one approach.")
    goals = (data.get("goals") or "").strip()
    if not goals:
        problems["goals"] = _("Write the plan's goals.")
    elif len(goals) > 4000:
        problems["goals"] = _("The goals are at most 4,000 characters.")
    planned = data.get("planned_sessions")
    if planned is not None and not (1 <= planned <= MAX_PLANNED_SESSIONS):
        problems["planned_sessions"] = _(
            "Plan between 1 and %(n)s sessions, or leave it empty."
        ) % {"n": MAX_PLANNED_SESSIONS}
    review_on = data.get("review_on")
    if review_on is not None and review_on < today and review_on != review_was:
        problems["review_on"] = _("The review date cannot be in the past.")
    if problems:
        raise ValidationError(problems)
    return {
        "approaches": approaches,
        "goals": goals,
        "planned_sessions": planned,
        "review_on": review_on,
    }


@transaction.atomic
def do_create_plan(*, actor, person: Person, data: dict) -> InterventionPlan:
    require_file(actor, person, "can_edit_file")
    clean = _clean_plan(data, today=timezone.localdate())
    # The person's row lock orders this against a second tab creating a plan at once.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if InterventionPlan.objects.filter(person=person, status=PlanStatus.ACTIVE).exists():
        raise ValidationError(
            {"__all__": _("This file has an active plan: change it or end it first.")}
        )
    try:
        with transaction.atomic():
            plan = InterventionPlan.objects.create(
                organisation_id=person.organisation_id, person=person, created_by=actor, **clean
            )
    except IntegrityError as exc:  # a second tab's plan got there first
        raise ValidationError(
            {"__all__": _("This file has an active plan: change it or end it first.")}
        ) from exc
    record(
        actor=actor,
        action="create",
        target=plan,
        changes={
            "person": str(person.public_id),
            "approaches": clean["approaches"],
            "planned_sessions": clean["planned_sessions"],
        },
    )
    return plan


def _locked_plan(plan: InterventionPlan, version: int) -> InterventionPlan:
    locked = InterventionPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.version != version:
        raise ConflictError(locked.version, str(STALE_PLAN))
    if locked.status != PlanStatus.ACTIVE:
        raise ValidationError({"__all__": _("This plan has ended; start a new one.")})
    return locked


@transaction.atomic
def do_update_plan(*, actor, plan: InterventionPlan, data: dict, version: int) -> InterventionPlan:
    require_file(actor, plan.person, "can_edit_file")
    clean = _clean_plan(data, today=timezone.localdate(), review_was=plan.review_on)
    locked = _locked_plan(plan, version)
    changes = {}
    for name, value in clean.items():
        if getattr(locked, name) != value:
            # The goals' words stay out of the audit trail: that they changed is enough.
            changes[name] = True if name == "goals" else [str(getattr(locked, name)), str(value)]
            setattr(locked, name, value)
    if not changes:
        return locked
    locked.version += 1
    locked.save(update_fields=[*clean, "version", "updated_at"])
    record(actor=actor, action="update", target=locked, changes=changes)
    return locked


@transaction.atomic
def do_end_plan(
    *, actor, plan: InterventionPlan, status: str, outcome: str, version: int
) -> InterventionPlan:
    require_file(actor, plan.person, "can_edit_file")
    problems = {}
    if status not in (PlanStatus.COMPLETED, PlanStatus.DISCONTINUED):
        problems["status"] = _("Choose how the plan ended.")
    outcome = (outcome or "").strip()
    if not outcome:
        problems["outcome"] = _("Say what the plan achieved, or why it stopped.")
    if problems:
        raise ValidationError(problems)
    locked = _locked_plan(plan, version)
    locked.status = status
    locked.outcome = outcome[:300]
    locked.ended_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "outcome", "ended_at", "version", "updated_at"])
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"status": [PlanStatus.ACTIVE, status]},
    )
    return locked


@transaction.atomic
def do_record_session(*, actor, plan: InterventionPlan, data: dict) -> PlanSession:
    """A session held under the active plan. It may be recorded afterwards (up to 90 days
    back), never ahead of time."""
    require_file(actor, plan.person, "can_edit_file")
    problems: dict[str, str] = {}
    now = timezone.now()
    held_at = data.get("held_at")
    if held_at is None:
        problems["held_at"] = _("Give the date and time the session was held.")
    elif held_at > now + timedelta(minutes=5):
        problems["held_at"] = _("A session is recorded after it was held, not before.")
    elif held_at < now - timedelta(days=90):
        problems["held_at"] = _("A session more than 90 days ago goes in a note, not here.")
    approach = data.get("approach") or ""
    if approach not in InterventionApproach.values:
        problems["approach"] = _("Choose the session's approach.")
    minutes = data.get("minutes")
    if minutes is None or not (1 <= minutes <= MAX_SESSION_MINUTES):
        problems["minutes"] = _("Give the length in minutes (1 to %(n)s).") % {
            "n": MAX_SESSION_MINUTES
        }
    summary = (data.get("summary") or "").strip()
    if not summary:
        problems["summary"] = _("Say what was done in the session.")
    elif len(summary) > 4000:
        problems["summary"] = _("A session's summary is at most 4,000 characters.")
    progress = data.get("progress") or ""
    if progress and progress not in SessionProgress.values:
        problems["progress"] = _("Choose the progress seen, or leave it empty.")
    if problems:
        raise ValidationError(problems)
    assert held_at is not None and minutes is not None  # noqa: S101 - checked above
    locked = InterventionPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.ACTIVE:
        raise ValidationError({"__all__": _("This plan has ended; start a new one.")})
    session = PlanSession.objects.create(
        organisation_id=locked.organisation_id,
        plan=locked,
        held_at=held_at,
        approach=approach,
        minutes=minutes,
        participants=(data.get("participants") or "").strip()[:200],
        summary=summary,
        progress=progress,
        by=actor,
    )
    record(
        actor=actor,
        action="create",
        target=session,
        changes={"plan": str(locked.public_id), "approach": approach, "minutes": minutes},
    )
    return session
