"""The person's file, referrals and follow-ups in the JSON API (CM-01, CM-05, HL-06).

Scoped as the pages: a file the user may not see is a 404 (``cases.access.access_file``), a
referral of such a file too; the follow-up lists are the user's own (a counsellor) or the
centre's (supervisors, directors). Opening a file through the API is audited like the page."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from xinyuan.audit.actions import do_record_view
from xinyuan.cases import selectors, timeline
from xinyuan.cases.access import access_file
from xinyuan.cases.actions import files as file_actions
from xinyuan.cases.models import (
    ConsentBasis,
    PlanStatus,
    Referral,
    ReferralKind,
    ReferralStatus,
    ReferralUrgency,
)
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.pagination import BoundedPagination
from xinyuan.directory.models import Institution

persons_router = Router(tags=["person files"])
referrals_router = Router(tags=["referrals"])
follow_ups_router = Router(tags=["follow-ups"])


class TimelineItemOut(Schema):
    at: datetime
    kind: str = Field(description="contact, risk, self_test, follow_up, referral, report, file")
    title: str
    detail: str
    level: str = Field(description="A risk level (low … imminent) when the item has one.")
    public_id: str


class TimelineOut(Schema):
    items: list[TimelineItemOut]
    next: str | None = Field(
        description="Pass as ``before`` for the next (older) page; null at the end."
    )


class PlanOut(Schema):
    public_id: UUID
    approaches: list[str] = Field(description="individual, family, group, education")
    goals: str
    planned_sessions: int | None
    sessions_held: int
    review_on: date | None
    version: int


class PersonOut(Schema):
    public_id: UUID
    label: str
    alias: str
    case_status: str
    gender: str
    birth_year: int | None
    street: str
    community: str
    population_categories: list[str]
    intervention_level: int | None
    assigned_to: str | None = Field(description="The responsible worker's work name.")
    team: str | None = Field(None, description="The team the file is assigned to (CM-08).")
    active_plan: PlanOut | None = Field(None, description="The active intervention plan.")
    self_evaluation: str
    life_events: str
    counselling_advice: str
    file_version: int = Field(description="Send it back with a change (409 if it moved).")
    is_repeated_caller: bool
    contact_count: int
    timeline: TimelineOut


class TimelineQuery(Schema):
    before: str = Field("", max_length=120, description="Cursor of the next (older) page")
    kind: list[str] = Field([], description="Only these kinds of timeline item")
    limit: int = Field(50, ge=1, le=200)


def _active_plan(person) -> dict | None:
    plan = (
        person.plans.filter(status=PlanStatus.ACTIVE)
        .annotate(sessions_held=Count("sessions"))
        .order_by("-created_at")
        .first()
    )
    if plan is None:
        return None
    return {
        name: getattr(plan, name)
        for name in (
            "public_id",
            "approaches",
            "goals",
            "planned_sessions",
            "sessions_held",
            "review_on",
            "version",
        )
    }


@persons_router.get("/{public_id}", response=PersonOut, summary="A person's file and timeline")
def get_person(request, public_id: UUID, page: Query[TimelineQuery]):
    """The file (encrypted details left out: they are revealed on the page with a reason)
    and one page of its timeline, newest first. Every first page is an audited open."""
    if not permissions.has_perm(request.user, permissions.VIEW_CASE_FILES):
        raise PermissionDeniedError
    access = access_file(request.user, public_id)
    person = access.person
    try:
        cursor = timeline.Cursor.decode(page.before) if page.before else None
    except ValidationError as exc:
        raise Http404 from exc
    if cursor is None:
        do_record_view(actor=request.user, target=person, fields=("file",))
    items, next_cursor = timeline.timeline(
        request.user, person, only=page.kind, before=cursor, limit=page.limit
    )
    return {
        **{
            name: getattr(person, name)
            for name in (
                "public_id",
                "label",
                "alias",
                "case_status",
                "gender",
                "birth_year",
                "street",
                "community",
                "population_categories",
                "intervention_level",
                "self_evaluation",
                "life_events",
                "counselling_advice",
                "file_version",
                "is_repeated_caller",
                "contact_count",
            )
        },
        "assigned_to": person.assigned_to.work_name if person.assigned_to else None,
        "team": person.team.name if person.team is not None else None,
        "active_plan": _active_plan(person),
        "timeline": {
            "items": [
                {
                    "at": i.at,
                    "kind": i.kind,
                    "title": i.title,
                    "detail": i.detail,
                    "level": i.level,
                    "public_id": i.public_id,
                }
                for i in items
            ],
            "next": next_cursor.encode() if next_cursor else None,
        },
    }


class ReferralIn(Schema):
    person: UUID
    institution: UUID = Field(description="An active institution of the centre's directory.")
    kind: ReferralKind = ReferralKind.REFERRAL
    reason: str = Field(max_length=4000)
    urgency: ReferralUrgency
    consent_basis: ConsentBasis
    exception_reason: str = Field("", max_length=300)
    continuity_info: str = Field("", max_length=4000)
    green_channel: bool = False


class ReferralOut(Schema):
    public_id: UUID
    person: UUID
    institution: UUID
    institution_name: str
    kind: str
    reason: str
    urgency: str
    consent_basis: str
    continuity_info: str
    green_channel: bool
    status: str
    sent_at: datetime
    accepted_at: datetime | None
    seen_at: datetime | None
    closed_at: datetime | None
    rejected_at: datetime | None
    rejection_reason: str
    outcome: str
    version: int

    @staticmethod
    def resolve_person(obj) -> UUID:
        return obj.person.public_id

    @staticmethod
    def resolve_institution(obj) -> UUID:
        return obj.institution.public_id

    @staticmethod
    def resolve_institution_name(obj) -> str:
        return obj.institution.name


@referrals_router.post("", response={201: ReferralOut}, summary="Refer a person")
def create_referral(request, payload: ReferralIn):
    if not permissions.has_perm(request.user, permissions.EDIT_CASE_FILES):
        raise PermissionDeniedError
    access = access_file(request.user, payload.person, require="can_edit_file")
    institution = Institution.objects.filter(
        organisation_id=request.user.organisation_id, public_id=payload.institution
    ).first()
    referral = file_actions.do_create_referral(
        actor=request.user,
        person=access.person,
        institution=institution,
        data=payload.dict(exclude={"person", "institution"}),
    )
    return Status(201, referral)


class ReferralPatch(Schema):
    status: ReferralStatus
    version: int = Field(description="The version read; a stale one is refused with 409.")
    reason: str = Field("", max_length=300, description="Why it was rejected.")
    outcome: str = Field("", max_length=4000)


@referrals_router.patch("/{public_id}", response=ReferralOut, summary="Move a referral on")
def update_referral(request, public_id: UUID, payload: ReferralPatch):
    """sent → accepted → seen → closed, or rejected with a reason."""
    if not permissions.has_perm(request.user, permissions.EDIT_CASE_FILES):
        raise PermissionDeniedError
    referral = (
        Referral.objects.filter(organisation_id=request.user.organisation_id, public_id=public_id)
        .select_related("person", "institution")
        .first()
    )
    if referral is None:
        raise Http404
    access_file(request.user, referral.person.public_id, require="can_edit_file")
    return file_actions.do_update_referral(
        actor=request.user,
        referral=referral,
        status=payload.status,
        version=payload.version,
        reason=payload.reason,
        outcome=payload.outcome,
    )


class FollowUpOut(Schema):
    public_id: UUID
    person: UUID | None
    person_label: str | None
    contact: UUID
    assigned_to: str
    due_at: datetime
    overdue: bool
    status: str

    @staticmethod
    def resolve_person(obj):
        return obj.person.public_id if obj.person_id else None

    @staticmethod
    def resolve_person_label(obj):
        return obj.person.label if obj.person_id else None

    @staticmethod
    def resolve_contact(obj):
        return obj.contact.public_id

    @staticmethod
    def resolve_assigned_to(obj) -> str:
        return obj.assigned_to.work_name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.due_at < timezone.now()


class FollowUpFilters(Schema):
    status: Literal["due", "overdue"] = Field(
        "due", description="due: every scheduled follow-up; overdue: those past due"
    )


@follow_ups_router.get("", response=list[FollowUpOut], summary="Follow-ups due or overdue")
@paginate(BoundedPagination)
def list_follow_ups(request, filters: Query[FollowUpFilters]):
    """Scheduled follow-ups, the most overdue first: a counsellor's own, the centre's for
    supervisors and directors."""
    if not permissions.has_any(
        request.user, permissions.PERFORM_FOLLOW_UPS, permissions.VIEW_ORG_CONTACTS
    ):
        raise PermissionDeniedError
    qs = selectors.due_follow_ups(request.user)
    if filters.status == "overdue":
        qs = qs.filter(due_at__lt=timezone.now())
    return qs
