"""Training (the guide's pre-service list: ethics, crisis theory and techniques, common
disorders, call flow, assessment, special calls) and supervision, recorded by the centre's
supervisors and directors. Each write is audited in its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.limits import check_length
from xinyuan.core.locale import join_list
from xinyuan.operations.models import (
    SupervisionFormat,
    SupervisionSession,
    TrainingRecord,
    TrainingSession,
    TrainingTopic,
)

MAX_SESSION_HOURS = Decimal(24)
TOPICS_MAX_LENGTH = 2000


def _require(actor) -> None:
    if not permissions.has_perm(actor, permissions.MANAGE_TRAINING):
        raise PermissionDeniedError(_("Only supervisors and directors record training."))


def _check_hours(hours, errors: dict, *, maximum: Decimal = MAX_SESSION_HOURS) -> None:
    if hours is None:
        errors["hours"] = [_("Give the hours.")]
    elif not Decimal(0) < Decimal(hours) <= maximum:
        errors["hours"] = [_("Hours must be more than 0 and at most %(max)s.") % {"max": maximum}]


def _check_dates(done_on: date | None, expires_on: date | None, errors: dict, field: str) -> None:
    today = timezone.localdate()
    if done_on is None:
        errors[field] = [_("Give the date.")]
    elif done_on > today:
        errors[field] = [_("The date cannot be in the future.")]
    if expires_on is not None and done_on is not None and expires_on <= done_on:
        errors["expires_on"] = [_("The validity must end after the training date.")]


def _staff_of(actor, people: Iterable, errors: dict, field: str) -> list:
    """The people, if each is active staff of the actor's centre."""
    people = list(dict.fromkeys(people))
    strangers = [p for p in people if p.organisation_id != actor.organisation_id or not p.is_active]
    if strangers:
        errors[field] = [_("Only active staff of your centre can be listed.")]
    return people


@transaction.atomic
def do_record_training_session(
    *,
    actor,
    title: str,
    topic: str,
    held_on: date,
    hours,
    trainer: str = "",
    attendees: Iterable,
    expires_on: date | None = None,
) -> TrainingSession:
    """A training the centre held, and a training record for each person who attended (valid
    until ``expires_on`` when the centre sets one)."""
    _require(actor)
    title = " ".join((title or "").split())
    trainer = " ".join((trainer or "").split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the training a title.")]
    if topic not in TrainingTopic.values:
        errors["topic"] = [_("Choose the content of the training.")]
    _check_hours(hours, errors)
    _check_dates(held_on, expires_on, errors, "held_on")
    people = _staff_of(actor, attendees, errors, "attendees")
    if not people and "attendees" not in errors:
        errors["attendees"] = [_("Choose who attended.")]
    if errors:
        raise ValidationError(errors)
    session = TrainingSession.objects.create(
        organisation_id=actor.organisation_id,
        title=title,
        topic=topic,
        held_on=held_on,
        hours=hours,
        trainer=trainer,
    )
    TrainingRecord.objects.bulk_create(
        TrainingRecord(
            organisation_id=actor.organisation_id,
            user=person,
            session=session,
            topic=topic,
            hours=hours,
            completed_on=held_on,
            expires_on=expires_on,
        )
        for person in people
    )
    record(
        actor=actor,
        action="create",
        target=session,
        changes={
            "title": title,
            "topic": topic,
            "held_on": held_on,
            "hours": str(hours),
            "trainer": trainer,
            "attendees": [p.work_name for p in people],
            "expires_on": expires_on,
        },
    )
    return session


@transaction.atomic
def do_record_training(
    *,
    actor,
    person,
    topic: str,
    title: str,
    hours,
    completed_on: date,
    expires_on: date | None = None,
    certificate: str = "",
) -> TrainingRecord:
    """One person's training taken elsewhere (a course, a certificate from another body)."""
    _require(actor)
    title = " ".join((title or "").split())
    certificate = (certificate or "").strip()
    errors: dict[str, list[str]] = {}
    _staff_of(actor, [person], errors, "person")
    if topic not in TrainingTopic.values:
        errors["topic"] = [_("Choose the content of the training.")]
    if not title:
        errors["title"] = [_("Name the training and who gave it.")]
    _check_hours(hours, errors, maximum=Decimal(1000))
    _check_dates(completed_on, expires_on, errors, "completed_on")
    if errors:
        raise ValidationError(errors)
    check_length(certificate, field="certificate", label=_("certificate number"), limit=100)
    check_length(title, field="title", label=_("training and provider"), limit=200)
    training = TrainingRecord.objects.create(
        organisation_id=actor.organisation_id,
        user=person,
        topic=topic,
        title=title,
        hours=hours,
        completed_on=completed_on,
        expires_on=expires_on,
        certificate=certificate,
    )
    record(
        actor=actor,
        action="create",
        target=training,
        changes={
            "person": person.work_name,
            "topic": topic,
            "title": title,
            "hours": str(hours),
            "completed_on": completed_on,
            "expires_on": expires_on,
            "certificate": certificate,
        },
    )
    return training


@transaction.atomic
def do_record_supervision_session(
    *,
    actor,
    format: str,
    held_on: date,
    hours,
    supervisor=None,
    external_supervisor: str = "",
    attendees: Iterable,
    topics: str,
    contacts: Iterable = (),
    unknown_numbers: Iterable[str] = (),
) -> SupervisionSession:
    """A supervision session: individual (one counsellor) or group, who supervised (a colleague
    or an invited expert by name), who attended, the topics, and the contacts discussed — by
    their contact number only. ``unknown_numbers`` are numbers typed that match no contact of
    the centre (refused by name)."""
    _require(actor)
    topics = (topics or "").strip()
    external_supervisor = " ".join((external_supervisor or "").split())
    errors: dict[str, list[str]] = {}
    if format not in SupervisionFormat.values:
        errors["format"] = [_("Choose individual or group supervision.")]
    _check_hours(hours, errors)
    _check_dates(held_on, None, errors, "held_on")
    if supervisor is None and not external_supervisor:
        errors["supervisor"] = [_("Say who supervised.")]
    elif supervisor is not None and (
        supervisor.organisation_id != actor.organisation_id
        or not permissions.has_perm(supervisor, permissions.MANAGE_TRAINING)
    ):
        errors["supervisor"] = [_("Choose a supervisor of your centre, or name an expert.")]
    people = [p for p in _staff_of(actor, attendees, errors, "attendees") if p != supervisor]
    if "attendees" not in errors:
        if not people:
            errors["attendees"] = [_("Choose who attended.")]
        elif format == SupervisionFormat.INDIVIDUAL and len(people) != 1:
            errors["attendees"] = [_("Individual supervision is for one counsellor.")]
    if not topics:
        errors["topics"] = [_("Write what was discussed.")]
    elif len(topics) > TOPICS_MAX_LENGTH:
        errors["topics"] = [
            _("Keep the topics to %(max)s characters or fewer.") % {"max": TOPICS_MAX_LENGTH}
        ]
    unknown = list(unknown_numbers)
    if unknown:
        errors["contacts"] = [
            _("No contact of your centre has the number %(numbers)s.")
            % {"numbers": join_list(unknown)}
        ]
    contacts = list(contacts)
    if any(c.organisation_id != actor.organisation_id for c in contacts):
        errors["contacts"] = [_("Only contacts of your centre can be discussed here.")]
    if errors:
        raise ValidationError(errors)
    session = SupervisionSession.objects.create(
        organisation_id=actor.organisation_id,
        format=format,
        held_on=held_on,
        hours=hours,
        supervisor=supervisor,
        external_supervisor=external_supervisor if supervisor is None else "",
        topics=topics,
        recorded_by=actor,
    )
    session.attendees.set(people)
    session.contacts.set(contacts)
    record(
        actor=actor,
        action="create",
        target=session,
        changes={
            "format": format,
            "held_on": held_on,
            "hours": str(hours),
            "supervisor": supervisor.work_name if supervisor else external_supervisor,
            "attendees": [p.work_name for p in people],
            "contacts": sorted(c.number for c in contacts),
        },
    )
    return session
