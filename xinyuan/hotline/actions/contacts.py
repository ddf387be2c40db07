"""Writes of a contact: start, record the stages, close, end a harassment call.

Every change of a contact goes through ``audit.versioned.write_versioned`` (version, field
versions, updated_at and the audit event together, in the action's transaction), and every
action asks ``hotline.access`` whether the actor may make it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xinyuan.audit.actions import record
from xinyuan.audit.versioned import StaleRecord, write_versioned
from xinyuan.cases import actions as case_actions
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.limits import check_length
from xinyuan.hotline import rules, taxonomy
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.actions.call_events import link_answered_call
from xinyuan.hotline.models import (
    Contact,
    ContactSequence,
    ContactStatus,
    ContactType,
    Outcome,
    SafetyPlan,
    Seat,
)

# Fields a counsellor edits, by stage (HL-01/HL-03). "stage 0" holds the contact's frame.
STAGE_FIELDS: dict[int, tuple[str, ...]] = {
    0: ("channel", "seat", "contact_type", "recording_consent", "recording_url", "ended_at"),
    1: (
        "about",
        "caller_gender",
        "caller_age_group",
        "caller_education",
        "caller_work_status",
        "caller_marital_status",
        "caller_prior_treatment",
        "purpose",
    ),
    2: ("emotional_state", "voice_cues", "strong_negative_emotion"),
    3: ("problem_codes", "problems", "goal"),
    4: (
        "intervention_codes",
        "resource_codes",
        "motivation",
        "past_coping",
        "resources",
        "obstacles",
        "smart_goal",
        "options",
        "interventions",
    ),
    5: ("actions_decided", "caller_feedback", "goal_attainment", "outcome", "counsellor_notes"),
}
EDITABLE_FIELDS = frozenset(f for fields in STAGE_FIELDS.values() for f in fields) | {
    "protocol_steps_done",
    "current_stage",
}
# Navigation state: the last writer wins, it never conflicts.
MERGE_ALWAYS = frozenset({"current_stage"})
# Fields of the frame a telephone switch or the start form sets, checked without a query.
_START_FIELDS = (
    "channel",
    "contact_type",
    "recording_consent",
    "recording_url",
    "external_call_id",
)


def _require_edit(actor, contact: Contact) -> None:
    if not decide_contact(actor, contact).can_edit:
        raise PermissionDeniedError


def _lock(contact: Contact) -> Contact:
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related("counsellor", "seat", "person")
        .get(pk=contact.pk)
    )


def next_contact_number(organisation_id: int, started_at: datetime) -> str:
    """The centre's next contact number for the year the contact started (``2026-000123``).

    One statement (an upsert returning the new value): the row of the centre and year is locked
    by it until the starting transaction commits, so two contacts starting at once in one centre
    get consecutive numbers, and contacts of other centres never wait."""
    year = timezone.localtime(started_at).year
    table = connection.ops.quote_name(ContactSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organisation_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (organisation_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [organisation_id, year],
        )
        (last,) = cursor.fetchone()
    return f"{year}-{last:06d}"


def do_start_contact(**kwargs) -> Contact:
    """Start a contact (see ``_start_contact``). Two seats linking the same new caller's number
    at the same moment: the second start meets the first one's identity (an IntegrityError),
    and is run again once, when it finds that caller."""
    try:
        return _start_contact(**kwargs)
    except IntegrityError:
        if transaction.get_connection().in_atomic_block:
            raise
        return _start_contact(**kwargs)


@transaction.atomic
def _start_contact(
    *,
    actor,
    channel: str,
    seat: Seat | None = None,
    counsellor=None,
    caller_number: str = "",
    caller_chat_id: str = "",
    started_at: datetime | None = None,
    external_call_id: str = "",
    recording_url: str = "",
    recording_consent: str = "",
    contact_type: str = ContactType.GENERAL,
) -> Contact:
    """One call, chat or walk-in begins (HL-01). A caller's number or chat id links it to the
    person (keyed hash) and applies the repeated-caller rule (HL-08)."""
    if not permissions.has_perm(actor, permissions.HANDLE_CONTACTS):
        raise PermissionDeniedError
    counsellor = counsellor or actor
    if counsellor.organisation_id != actor.organisation_id:
        raise ValidationError({"counsellor": _("Choose a counsellor of your organisation.")})
    if counsellor.pk != actor.pk and not permissions.has_perm(
        actor, permissions.TAKE_OVER_CONTACTS
    ):
        raise PermissionDeniedError
    if seat is not None and seat.organisation_id != actor.organisation_id:
        raise ValidationError({"seat": _("Choose a seat of your organisation.")})
    started_at = started_at or timezone.now()
    contact = Contact(
        organisation_id=actor.organisation_id,
        counsellor=counsellor,
        seat=seat,
        channel=channel,
        started_at=started_at,
        external_call_id=external_call_id,
        recording_url=recording_url,
        contact_type=contact_type,
    )
    if recording_consent:
        contact.recording_consent = recording_consent
    # Checked field by field, without the foreign-key queries of full_clean (the related
    # records are the actor's own, checked above).
    errors = {}
    for name in _START_FIELDS:
        try:
            field = Contact._meta.get_field(name)
            value = field.clean(getattr(contact, name), contact)  # type: ignore[union-attr]
            setattr(contact, name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    kind, value = ("phone", caller_number) if caller_number else ("chat", caller_chat_id)
    prefilled: dict[str, Any] = {}
    if value:
        identity, created = case_actions.do_link_identity(
            actor=actor,
            organisation=actor.organisation_id,
            kind=kind,
            value=value,
            started_at=started_at,
        )
        person = identity.person
        if not created:  # a new person already counts this contact
            person = case_actions.do_register_contact_for_person(
                person=person, started_at=started_at
            )
        contact.identity, contact.person = identity, person
        if person.is_repeated_caller and contact.contact_type == ContactType.GENERAL:
            contact.contact_type = ContactType.REPEATED
        if not created:
            prefilled = _prefill_profile(contact, person)
    # Last before the insert: the centre's number row stays locked for as short as can be.
    contact.number = next_contact_number(actor.organisation_id, started_at)
    contact.save(force_insert=True)
    # The switch's answered event of this call, reported before the contact began.
    linked_calls = link_answered_call(contact=contact) if external_call_id else 0
    record(
        actor=actor,
        action="create",
        target=contact,
        changes={
            "channel": channel,
            "seat": getattr(seat, "code", None),
            "counsellor": counsellor.username,
            "number": contact.number,
            "contact_type": contact.contact_type,
            "identity": contact.identity_id is not None,
            **prefilled,
            **({"call_event_linked": True} if linked_calls else {}),
        },
    )
    if contact.recording_consent != "not_recorded":
        from xinyuan.hotline.actions.consents import record_recording_answer

        record_recording_answer(actor=actor, contact=contact, value=contact.recording_consent)
    return contact


def profile_defaults() -> dict[str, str]:
    """The caller profile's default values ("not stated", "the caller themself")."""
    fields = (Contact._meta.get_field(name) for name in rules.CALLER_PROFILE_FIELDS)
    return {field.name: field.get_default() for field in fields}  # type: ignore[union-attr]


def _prefill_profile(contact: Contact, person) -> dict[str, Any]:
    """A known caller's new contact starts from the profile of their previous one (one query;
    only fields still at their defaults). Returns what the create event records of it."""
    previous = (
        Contact.objects.filter(organisation_id=contact.organisation_id, person=person)
        .order_by("-started_at", "-id")
        .values("public_id", "number", *rules.CALLER_PROFILE_FIELDS)
        .first()
    )
    if previous is None:
        return {}
    defaults = profile_defaults()
    current = {name: getattr(contact, name) for name in rules.CALLER_PROFILE_FIELDS}
    values = rules.profile_prefill(previous=previous, current=current, defaults=defaults)
    for name, value in values.items():
        setattr(contact, name, value)
    if not values:
        return {}
    return {"from_contact": previous["number"] or str(previous["public_id"]), **values}


# Coded fields (hotline/taxonomy) and the vocabulary they are checked against.
CODE_FIELDS = {
    "problem_codes": "problems",
    "intervention_codes": "interventions",
    "resource_codes": "resources",
}


def clean_contact_value(contact: Contact, name: str, value: Any) -> Any:
    """One field of a change, checked as the model would, in the user's words."""
    field = Contact._meta.get_field(name)
    if name in CODE_FIELDS:
        try:
            return taxonomy.clean_codes(CODE_FIELDS[name], value)
        except taxonomy.VocabularyError as exc:
            raise ValidationError(
                {name: _("Unknown code: %(codes)s") % {"codes": str(exc)}}
            ) from exc
    if name == "protocol_steps_done":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError({name: _("Expected a list of step names.")})
        return value
    if name == "current_stage":
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({name: _("The stage is a number from 1 to 5.")})
        return value
    if name == "seat":
        if value is None or isinstance(value, Seat):
            if value is not None and value.organisation_id != contact.organisation_id:
                raise ValidationError({"seat": _("Choose a seat of your organisation.")})
            return value
        raise ValidationError({"seat": _("Choose a seat of your organisation.")})
    try:
        value = field.clean(value, contact)  # type: ignore[union-attr]
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc
    return value


def _clean_changes(locked: Contact, changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    cleaned = {name: clean_contact_value(locked, name, value) for name, value in changes.items()}
    if any(cleaned.get(name) for name in CODE_FIELDS):
        cleaned["codes_version"] = taxonomy.VERSION
    ended_at = cleaned.get("ended_at")
    if ended_at and ended_at < locked.started_at:
        raise ValidationError({"ended_at": _("The end cannot be before the start.")})
    return cleaned


def _write(
    *,
    actor,
    locked: Contact,
    changes: dict[str, Any],
    version: int | None,
    action: str = "update",
    extra: dict[str, Any] | None = None,
    reason: str = "",
    optimistic: bool = False,
) -> Contact:
    diff = write_versioned(
        actor=actor,
        locked=locked,
        changes=changes,
        version=version,
        action=action,
        extra=extra,
        reason=reason,
        merge_always=MERGE_ALWAYS,
        optimistic=optimistic,
    )
    if "recording_consent" in diff:
        from xinyuan.hotline.actions.consents import record_recording_answer

        record_recording_answer(actor=actor, contact=locked, value=locked.recording_consent)
    return locked


def _apply(
    *,
    actor,
    contact: Contact,
    version: int | None,
    changes_for: Callable[[Contact], dict[str, Any]],
    action: str = "update",
) -> Contact:
    """Write what ``changes_for(row)`` decides on the contact. When the caller's row is the
    version the change was made on (a page or the API that just read it), one conditional
    UPDATE does it, with no lock taken first; if someone wrote meanwhile — or the row in hand
    is older — the row is locked and read again, and the change decided again (merged, or
    refused with ConflictError)."""
    if version is not None and version == contact.version:
        try:
            changes = changes_for(contact)
        except ValidationError:
            changes = None  # decided again on the row as it is now (the one in hand may be older)
        if changes is not None:
            try:
                return _write(
                    actor=actor,
                    locked=contact,
                    changes=changes,
                    version=version,
                    action=action,
                    optimistic=True,
                )
            except StaleRecord:
                pass  # nothing was written: someone wrote meanwhile
    locked = _lock(contact)
    _write(actor=actor, locked=locked, changes=changes_for(locked), version=version, action=action)
    # The caller's object follows the row written (a view or a test keeps using it).
    for field in Contact._meta.concrete_fields:
        setattr(contact, field.attname, getattr(locked, field.attname))
    return locked


@transaction.atomic
def do_update_contact(*, actor, contact: Contact, version: int, changes: dict[str, Any]) -> Contact:
    """Apply a partial change made on ``version`` of the contact.

    If someone saved in between, the change is merged only when none of its fields was changed
    by them since ``version``; otherwise ConflictError names those fields and nothing is written.
    So a telephone switch posting the end of a call never collides with the counsellor typing,
    while two people editing the same field never silently overwrite each other.
    Every field is validated before anything is written; the audit event lists old → new.
    """
    _require_edit(actor, contact)
    return _apply(
        actor=actor,
        contact=contact,
        version=version,
        changes_for=lambda row: _clean_changes(row, changes),
    )


# What a high-risk contact's safety plan must hold before closing (guide 三(三): the warning
# signs taught, people and numbers to call and medical institutions written down).
SAFETY_PLAN_REQUIRED = ("warning_signs", "people_to_call", "medical_institutions")
# Outcomes that end a contact before it could be completed: nothing more is required then.
UNFINISHED_OUTCOMES = frozenset({Outcome.DROPPED, Outcome.NOT_COMPLETED})


def needs_assessment(contact: Contact) -> bool:
    """Guide 三(二): strong negative emotion or a repeated caller (or a contact typed as suicide
    risk) needs a suicide-risk assessment before the contact closes — and so does a caller
    judged at high risk on an earlier contact: the risk is assessed again on this one."""
    if contact.risk_level:
        return False
    if (
        contact.strong_negative_emotion
        or contact.contact_type in (ContactType.REPEATED, ContactType.SUICIDE_RISK)
        or bool(contact.person is not None and contact.person.is_repeated_caller)
    ):
        return True
    return bool(
        contact.person_id
        and Contact.objects.filter(person_id=contact.person_id, risk_level__in=rules.HIGH_LEVELS)
        .exclude(pk=contact.pk)
        .exists()
    )


def close_problems(contact: Contact) -> list[str]:
    """What the contact still needs before it may be closed (HL-04, HL-05, HL-06), in words."""
    problems = []
    if needs_assessment(contact):
        problems.append(str(_("a suicide-risk assessment")))
    if not rules.is_high_risk(contact.risk_level):
        return problems
    plan = SafetyPlan.objects.filter(contact=contact).first()
    if plan is None:
        problems.append(str(_("a safety plan")))
    else:
        missing = [
            str(SafetyPlan._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
            for name in SAFETY_PLAN_REQUIRED
            if not getattr(plan, name).strip()
        ]
        if missing:
            separator = pgettext("list separator", ", ")
            problems.append(
                str(_("in the safety plan: %(fields)s") % {"fields": separator.join(missing)})
            )
    if not contact.follow_up_declined and not contact.follow_ups.exists():
        problems.append(str(_("a booked follow-up, or the caller's refusal recorded")))
    return problems


@transaction.atomic
def do_close_contact(
    *,
    actor,
    contact: Contact,
    version: int,
    outcome: str = "",
    ended_at: datetime | None = None,
    changes: dict[str, Any] | None = None,
) -> Contact:
    """Close the contact, with whatever else the same request changes (one transaction: a
    close refused leaves nothing of the request saved).

    The outcome chosen is stored; an empty choice keeps the outcome already recorded.
    ``close_problems`` must be empty first (an assessment where strong emotion or a repeated
    caller calls for one; for high risk a safety plan and a follow-up or the caller's refusal),
    unless the caller hung up. Closed already (the counsellor, then the switch posting the end
    of the call): the other changes of the request still apply, nothing is closed twice."""
    _require_edit(actor, contact)

    def closing(row: Contact) -> dict[str, Any]:
        cleaned = _clean_changes(row, dict(changes or {}))
        if outcome:
            cleaned["outcome"] = clean_contact_value(row, "outcome", outcome)
        if row.status == ContactStatus.CLOSED:
            return cleaned
        if cleaned.get("outcome", row.outcome) not in UNFINISHED_OUTCOMES:
            problems = close_problems(row)
            if problems:
                raise ValidationError(
                    {
                        "outcome": _("Before closing, record: %(missing)s.")
                        % {"missing": pgettext("list separator", "; ").join(problems)}
                    }
                )
        cleaned.setdefault("ended_at", ended_at or row.ended_at or timezone.now())
        return cleaned | {"status": ContactStatus.CLOSED}

    action = "update" if contact.status == ContactStatus.CLOSED else "close"
    return _apply(actor=actor, contact=contact, version=version, changes_for=closing, action=action)


@transaction.atomic
def do_end_call(*, actor, contact: Contact, version: int) -> Contact:
    """The call is over; the record is finished after it ("ended, wrap-up pending"): the end
    time is set and the contact stays open on the counsellor's wrap-up list. What must be done
    with the caller on the line (the assessment, the safety plan, the follow-up or its refusal:
    ``close_problems``) is required now, as for closing."""
    _require_edit(actor, contact)

    def ending(row: Contact) -> dict[str, Any]:
        if row.status == ContactStatus.CLOSED or row.ended_at is not None:
            return {}
        problems = close_problems(row)
        if problems:
            raise ValidationError(
                {
                    "outcome": _("Before ending the call, record: %(missing)s.")
                    % {"missing": pgettext("list separator", "; ").join(problems)}
                }
            )
        return {"ended_at": timezone.now()}

    return _apply(
        actor=actor, contact=contact, version=version, changes_for=ending, action="end_call"
    )


# Summaries of the stages, in the order a wrap-up checks them.
WRAP_UP_FIELDS = ("purpose", "emotional_state", "goal", "smart_goal", "actions_decided")


def wrap_up_missing(contact: Contact) -> list[str]:
    """What a contact waiting for its wrap-up still lacks, in words (from the row alone)."""
    missing = [
        str(Contact._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        for name in WRAP_UP_FIELDS
        if not (getattr(contact, name) or "").strip()
    ]
    if not contact.problem_codes:
        missing.insert(0, str(Contact._meta.get_field("problem_codes").verbose_name))  # type: ignore[union-attr]
    if not contact.outcome:
        missing.append(str(Contact._meta.get_field("outcome").verbose_name))  # type: ignore[union-attr]
    return missing


@transaction.atomic
def do_end_harassment_contact(*, actor, contact: Contact, version: int) -> Contact:
    """HL-07: state the scope, end the contact and flag it — the second of two clicks.

    Refused for a contact judged high risk: that caller is handled by the crisis protocol.
    """
    _require_edit(actor, contact)

    def ending(row: Contact) -> dict[str, Any]:
        if rules.is_high_risk(row.risk_level):
            raise ValidationError(
                {"contact_type": _("A high-risk contact cannot be ended as harassment.")}
            )
        if row.status == ContactStatus.CLOSED:
            return {}  # the second click arrived twice: it is already ended
        return {
            "contact_type": ContactType.HARASSMENT,
            "outcome": Outcome.ENDED_BY_COUNSELLOR,
            "is_flagged": True,
            "flag_reason": "harassment",
            "status": ContactStatus.CLOSED,
            "ended_at": row.ended_at or timezone.now(),
        }

    return _apply(actor=actor, contact=contact, version=version, changes_for=ending, action="flag")


@transaction.atomic
def do_record_follow_up_declined(
    *, actor, contact: Contact, reason: str, version: int | None = None
) -> Contact:
    """The caller declined a follow-up (HL-06 needs their consent): recorded with the reason."""
    _require_edit(actor, contact)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the caller said.")})
    check_length(
        reason, field="reason", label=Contact._meta.get_field("follow_up_declined").verbose_name
    )
    return _apply(
        actor=actor,
        contact=contact,
        version=version,
        changes_for=lambda row: {
            "follow_up_declined": clean_contact_value(row, "follow_up_declined", reason)
        },
    )


STALE_BATCH = 200


def do_close_stale_contacts(now: datetime | None = None) -> int:
    """Close the in-progress contacts with no activity (no save of the contact or its safety
    plan) for ``CONTACT_STALE_HOURS`` as "not completed" — the counsellor's page was closed, the
    shift ended. Each in its own transaction, audited with the system as the actor; a contact
    being written right now is skipped (locked) and looked at by the next sweep."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.CONTACT_STALE_HOURS)
    closed = 0
    candidates = list(
        # A call ended and waiting for its wrap-up is not in progress: it stays on the
        # counsellor's wrap-up list.
        Contact.objects.filter(
            status=ContactStatus.OPEN, ended_at__isnull=True, updated_at__lt=cutoff
        )
        .exclude(safety_plan__updated_at__gte=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:STALE_BATCH]
    )
    for pk in candidates:
        with transaction.atomic():
            locked = (
                Contact.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(
                    pk=pk, status=ContactStatus.OPEN, ended_at__isnull=True, updated_at__lt=cutoff
                )
                .first()
            )
            if locked is None:
                continue
            write_versioned(
                actor=None,
                locked=locked,
                changes={
                    "status": ContactStatus.CLOSED,
                    "outcome": Outcome.NOT_COMPLETED,
                    "ended_at": locked.ended_at or locked.updated_at,
                },
                version=None,
                action="auto_close",
                extra={"idle_hours": settings.CONTACT_STALE_HOURS},
            )
            closed += 1
    return closed
