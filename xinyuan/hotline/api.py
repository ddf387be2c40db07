"""Hotline API: risk evaluation, contacts (create, read, partial update, list) and the
telephone switch's call events."""

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from uuid import UUID

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool, model_validator

from xinyuan.accounts.api_auth import SwitchTokenAuth
from xinyuan.audit.actions import do_record_list_view, do_record_view
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.limits import FREE_TEXT_MAX_LENGTH
from xinyuan.core.pagination import BoundedPagination
from xinyuan.hotline import actions, rules, selectors
from xinyuan.hotline.access import ContactAccess, access_contact, decide_contact
from xinyuan.hotline.actions.notes import do_reveal_notes
from xinyuan.hotline.clinical_text import redact
from xinyuan.hotline.models import (
    CallEventKind,
    Channel,
    ContactStatus,
    ContactType,
    RecordingConsent,
    RiskLevel,
)

risk_router = Router(tags=["risk"])
contacts_router = Router(tags=["contacts"])
# Only the telephone switch's own token (scope ``call_events``) posts call events: they make the
# centre's answer rate and local calls in the official work report (docs/decisions/0016).
call_events_router = Router(tags=["call events"], auth=SwitchTokenAuth())


class RiskIn(Schema):
    ideation: StrictBool
    ideation_intensity: int = Field(0, ge=0, le=10)
    hopelessness: int = Field(0, ge=0, le=10)
    has_plan: StrictBool = False
    plan_timing: Literal["none", "within_72h", "within_week", "later", "unknown"] = "none"
    method_lethality: Literal["none", "low", "medium", "high", "unknown"] = "none"
    means_at_hand: StrictBool = False
    act_in_progress: StrictBool = False
    last_attempt: Literal["never", "within_2_weeks", "within_year", "longer_ago", "unknown"] = (
        "never"
    )
    relative_or_friend_suicide: StrictBool = False

    model_config = {"extra": "forbid"}


class RiskOut(Schema):
    level: Literal["low", "moderate", "high", "imminent"]
    rule_version: str
    reasons: list[str]
    reason_codes: list[str]


# Who may call which operation; the records they reach are scoped by the selectors.
CONTACT_VIEWERS = (permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)
RISK_ASSESSORS = (*CONTACT_VIEWERS, permissions.PERFORM_FOLLOW_UPS)


def _require(request, *names: str) -> None:
    """403 unless the caller holds at least one of the named permissions."""
    if not any(permissions.has_perm(request.user, name) for name in names):
        raise PermissionDeniedError


@risk_router.post("/evaluate", response=RiskOut, summary="Derive a suicide-risk level (HL-04)")
def evaluate_risk(request, payload: RiskIn):
    """Pure evaluation: nothing is stored. The rule is documented in docs/risk-rule.md."""
    _require(request, *RISK_ASSESSORS)
    result = rules.derive_risk_level(rules.RiskFactors(**payload.dict()))
    return {
        "level": result.level,
        "rule_version": result.rule_version,
        "reasons": result.reasons,
        "reason_codes": list(result.reason_codes),
    }


def _aware(value: datetime | None) -> datetime | None:
    """A time without an offset is read as China Standard Time (Asia/Shanghai)."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class CleanText(Schema):
    """Rejects with a 422 naming the field what databases refuse: NUL characters in text, and
    times outside 2000-2100 or with an offset beyond ±14 hours (found by fuzzing)."""

    @model_validator(mode="after")
    def no_nul(self):
        for name, value in self.__dict__.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"{name}: NUL characters are not allowed")
            if isinstance(value, datetime):
                offset = value.utcoffset()
                if offset is not None and abs(offset) > timedelta(hours=14):
                    raise ValueError(f"{name}: the UTC offset must be within ±14 hours")
                if not 2000 <= value.year <= 2100:
                    raise ValueError(f"{name}: the time must lie between 2000 and 2100")
        return self


class ContactIn(CleanText):
    channel: Channel = Channel.PHONE
    seat: str | None = Field(None, description="Seat code of the organisation", max_length=20)
    counsellor: UUID | None = Field(None, description="public_id; defaults to the caller")
    caller_number: str | None = Field(None, max_length=40)
    caller_chat_id: str | None = Field(None, max_length=200)
    started_at: datetime | None = None
    external_call_id: str = Field("", max_length=100)
    recording_url: str = Field("", max_length=500)
    recording_consent: RecordingConsent | None = None
    contact_type: ContactType = ContactType.GENERAL

    model_config = {"extra": "forbid"}


class ContactPatch(CleanText):
    version: int = Field(..., ge=1, description="The version you read; 409 if it changed")
    channel: Channel | None = None
    seat: str | None = Field(None, max_length=20)
    contact_type: ContactType | None = None
    recording_consent: RecordingConsent | None = None
    recording_url: str | None = Field(None, max_length=500)
    ended_at: datetime | None = None
    current_stage: int | None = Field(None, ge=1, le=5)
    about: str | None = None
    caller_gender: str | None = None
    caller_age_group: str | None = None
    caller_education: str | None = None
    caller_work_status: str | None = None
    caller_marital_status: str | None = None
    caller_prior_treatment: str | None = None
    purpose: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    emotional_state: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    voice_cues: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    strong_negative_emotion: bool | None = None
    problem_codes: list[str] | None = Field(
        None,
        max_length=20,
        description="Problem codes of xinyuan/hotline/taxonomy (codes-2026.1), most urgent first",
    )
    intervention_codes: list[str] | None = Field(None, max_length=20)
    resource_codes: list[str] | None = Field(None, max_length=20)
    problems: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    goal: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    motivation: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    past_coping: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    resources: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    obstacles: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    smart_goal: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    options: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    interventions: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    actions_decided: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    caller_feedback: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    goal_attainment: int | None = Field(None, ge=0, le=10)
    outcome: str | None = None
    counsellor_notes: str | None = Field(None, max_length=FREE_TEXT_MAX_LENGTH)
    status: Literal["closed"] | None = Field(None, description="'closed' closes the contact")

    model_config = {"extra": "forbid"}


class ContactOut(Schema):
    """A contact. Free-text clinical notes are null, with ``notes_hidden`` true, for a reader who
    may not read them (a director, until they state why: ``POST …/notes/reveal``), by the same
    rule as the page (``hotline.access``, ``clinical_text.redact``)."""

    public_id: UUID
    number: str
    version: int
    channel: str
    status: str
    contact_type: str
    seat: str | None
    counsellor: UUID
    counsellor_alias: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    current_stage: int
    risk_level: str
    is_flagged: bool
    is_repeated_caller: bool
    person: UUID | None
    external_call_id: str
    recording_consent: str
    recording_url: str
    about: str
    caller_gender: str
    caller_age_group: str
    caller_education: str
    caller_work_status: str
    caller_marital_status: str
    caller_prior_treatment: str
    purpose: str | None
    emotional_state: str | None
    voice_cues: str | None
    strong_negative_emotion: bool
    problem_codes: list[str]
    intervention_codes: list[str]
    resource_codes: list[str]
    codes_version: str
    problems: str | None
    goal: str | None
    motivation: str | None
    past_coping: str | None
    resources: str | None
    obstacles: str | None
    smart_goal: str | None
    options: str | None
    interventions: str | None
    actions_decided: str | None
    caller_feedback: str | None
    goal_attainment: int | None
    outcome: str
    counsellor_notes: str | None
    notes_hidden: bool = False


# The contact's own fields in the answer, read straight from the record.
_PLAIN_FIELDS = tuple(
    name
    for name in ContactOut.model_fields
    if name
    not in {
        "seat",
        "counsellor",
        "counsellor_alias",
        "duration_seconds",
        "is_repeated_caller",
        "person",
        "notes_hidden",
    }
)


def contact_payload(access: ContactAccess) -> dict:
    """The contact as this reader may see it (the one place the API shapes a contact)."""
    contact = access.contact
    values = {name: getattr(contact, name) for name in _PLAIN_FIELDS}
    # Times in UTC, as read from the database, whether the record was just written or read.
    for name in ("started_at", "ended_at"):
        if values[name] is not None:
            values[name] = values[name].astimezone(UTC)
    values = redact(access, "hotline.contact", values)
    person = contact.person if contact.person_id else None
    values.update(
        seat=contact.seat.code if contact.seat is not None else None,
        counsellor=contact.counsellor.public_id,
        counsellor_alias=contact.counsellor.work_name,
        duration_seconds=contact.duration_seconds,
        is_repeated_caller=bool(person and person.is_repeated_caller),
        person=person.public_id if person else None,
        notes_hidden=not access.can_read_notes,
    )
    return values


class ContactFilters(FilterSchema):
    date_from: date | None = None
    date_to: date | None = None
    contact_type: ContactType | None = None
    risk_level: RiskLevel | None = None
    status: ContactStatus | None = None
    channel: Channel | None = None
    counsellor: UUID | None = None
    q: str | None = Field(None, max_length=100)


def _seat(request, code: str | None):
    if code is None:
        return None
    seat = selectors.seat_of(request.user, code)
    if seat is None:
        raise Http404
    return seat


@contacts_router.post("", response={201: ContactOut}, summary="Start a contact")
def create_contact(request, payload: ContactIn):
    counsellor = None
    if payload.counsellor:
        counsellor = get_object_or_404(
            selectors.counsellors_for(request.user), public_id=payload.counsellor
        )
    contact = actions.do_start_contact(
        actor=request.user,
        channel=payload.channel,
        seat=_seat(request, payload.seat),
        counsellor=counsellor,
        caller_number=payload.caller_number or "",
        caller_chat_id=payload.caller_chat_id or "",
        started_at=_aware(payload.started_at),
        external_call_id=payload.external_call_id,
        recording_url=payload.recording_url,
        recording_consent=payload.recording_consent or "",
        contact_type=payload.contact_type,
    )
    # The answer is the record just written, as the caller may see it: no second read.
    return Status(201, contact_payload(decide_contact(request.user, contact)))


class AuditedPagination(BoundedPagination):
    """The page of contacts returned is a read of each: one audit event names them all."""

    def paginate_queryset(self, queryset, pagination, request=None, **params):
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        rows = list(page["items"])
        do_record_list_view(
            actor=request.user,
            model_label="hotline.contact",
            records=rows,
            query=params.get("filters").dict(exclude_none=True) if params.get("filters") else {},
        )
        page["items"] = [contact_payload(decide_contact(request.user, c)) for c in rows]
        return page


@contacts_router.get("", response=list[ContactOut], summary="List contacts")
@paginate(AuditedPagination)
def list_contacts(request, filters: Query[ContactFilters]):
    """Contacts in the caller's scope, newest first; the clinical words follow the same rule as
    the page (and a search never matches words the caller may not read)."""
    _require(request, *CONTACT_VIEWERS)
    return selectors.filter_contacts(
        selectors.contacts_visible_to(request.user),
        filters.dict(exclude_none=True),
        search_notes=permissions.has_perm(request.user, permissions.READ_CLINICAL_NOTES),
    )


@contacts_router.get("/{public_id}", response=ContactOut, summary="Read a contact")
def read_contact(request, public_id: UUID):
    """One contact (audited as a read), including one opened under an emergency access."""
    _require(request, *CONTACT_VIEWERS)
    access = access_contact(request.user, public_id)
    do_record_view(
        actor=request.user,
        target=access.contact,
        reason="break_glass" if access.via_break_glass else "",
    )
    return contact_payload(access)


@contacts_router.patch("/{public_id}", response=ContactOut, summary="Change a contact")
def update_contact(request, public_id: UUID, payload: ContactPatch):
    """Partial update with a version check: merged when nobody changed the same fields since
    ``version``, otherwise 409 naming them. The whole request is one action (one transaction):
    a change refused leaves nothing of it saved.

    A telephone switch posts the call's end as ``{"version": n, "ended_at": …,
    "recording_url": …, "status": "closed"}``.
    """
    _require(request, permissions.HANDLE_CONTACTS)
    access = access_contact(request.user, public_id, edit=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    close = data.pop("status", None) == "closed"
    if "seat" in data:
        data["seat"] = _seat(request, data["seat"])
    data = {k: v for k, v in data.items() if v is not None or k in ("seat", "ended_at")}
    if data.get("ended_at") is not None:
        data["ended_at"] = _aware(data["ended_at"])
    if close:
        contact = actions.do_close_contact(
            actor=request.user, contact=access.contact, version=version, changes=data
        )
    else:
        contact = actions.do_update_contact(
            actor=request.user, contact=access.contact, version=version, changes=data
        )
    return contact_payload(
        decide_contact(request.user, contact, notes_revealed_until=access.notes_revealed_until)
    )


class NotesRevealIn(CleanText):
    reason: str = Field(..., min_length=1, max_length=1000, description="Why you need the notes")

    model_config = {"extra": "forbid"}


@contacts_router.post(
    "/{public_id}/notes/reveal",
    response=ContactOut,
    summary="Read a contact's clinical notes, stating why",
)
def reveal_contact_notes(request, public_id: UUID, payload: NotesRevealIn):
    """For a reader who sees the coded record only (a director): the reason is recorded in the
    audit trail and the notes are readable to them for 30 minutes (here and in the page), the
    same audited reveal the page offers. Others get 403."""
    _require(request, permissions.REVEAL_CLINICAL_NOTES)
    access = access_contact(request.user, public_id)
    if not access.can_reveal_notes:
        raise PermissionDeniedError
    do_reveal_notes(actor=request.user, contact=access.contact, reason=payload.reason)
    return contact_payload(access_contact(request.user, public_id))


class CallEventIn(CleanText):
    call_ref: str = Field(
        ..., min_length=1, max_length=64, description="The switch's own reference of the call"
    )
    kind: CallEventKind
    occurred_at: datetime = Field(..., description="Without an offset: China Standard Time")
    waited_seconds: int | None = Field(
        None, ge=0, le=86400, description="How long the caller waited before the event"
    )
    seat: str | None = Field(None, max_length=20, description="Seat code of the centre")
    caller_number: str | None = Field(
        None,
        max_length=40,
        description="Only to tell where the call is from (本地/外地); never stored",
    )
    contact: UUID | None = Field(
        None, description="public_id of the contact the answered call became, if known"
    )

    model_config = {"extra": "forbid"}


class CallEventOut(Schema):
    public_id: UUID
    call_ref: str
    kind: str
    occurred_at: datetime
    waited_seconds: int | None
    seat: str | None
    contact: UUID | None
    caller_area: str
    is_local: bool | None


def call_event_payload(event) -> dict:
    return {
        "public_id": event.public_id,
        "call_ref": event.call_ref,
        "kind": event.kind,
        "occurred_at": event.occurred_at.astimezone(UTC),
        "waited_seconds": event.waited_seconds,
        "seat": event.seat.code if event.seat_id else None,
        "contact": event.contact.public_id if event.contact_id else None,
        "caller_area": event.caller_area,
        "is_local": event.is_local,
    }


@call_events_router.post(
    "",
    response={200: CallEventOut, 201: CallEventOut},
    summary="Record a call event from the telephone switch",
)
def record_call_event(request, payload: CallEventIn):
    """An offered, answered or abandoned call, for the answer rate (接通率) and the speed of
    answer. 201 when recorded; the same call and kind again answers 200 with the event already
    recorded (the first report wins). ``caller_number`` gives only the area the call is from and
    is then dropped. An answered call is linked to ``contact``, or else to the centre's contact
    started with ``external_call_id`` equal to ``call_ref`` (now or when it is started).

    Authenticated only by the switch's own token (scope ``call_events``, issued under API
    tokens); a browser session or any other token is refused with a 403. The events count for
    the centre of the account the token was issued for, which must take calls."""
    _require(request, permissions.HANDLE_CONTACTS)
    event, created = actions.do_record_call_event(
        actor=request.user,
        call_ref=payload.call_ref,
        kind=payload.kind,
        occurred_at=_aware(payload.occurred_at),
        waited_seconds=payload.waited_seconds,
        seat_code=payload.seat,
        caller_number=payload.caller_number or "",
        contact=payload.contact,
    )
    return Status(201 if created else 200, call_event_payload(event))
