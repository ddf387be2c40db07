"""Reads of the hotline, always scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from xinyuan.accounts.access import runs_centre
from xinyuan.accounts.models import User
from xinyuan.core import permissions
from xinyuan.core.compiled import CompiledQuery
from xinyuan.core.permissions import Role
from xinyuan.hotline import duty, rules
from xinyuan.hotline.models import (
    Contact,
    ContactStatus,
    DisclosureKind,
    RiskAlert,
    RiskAssessment,
    SafetyPlan,
    Seat,
)

_COUNSELLOR_UNREAD = (
    "password",
    "totp_secret_encrypted",
    "totp_confirmed_at",
    "totp_last_step",
    "first_name",
    "last_name",
    "email",
    "last_login",
    "date_joined",
    "is_superuser",
    "is_staff",
)


# Built once: every contact read starts from it (a queryset is copied, never changed, by filter).
_CONTACTS = (
    Contact.objects.select_related("counsellor", "seat", "person")
    # The counsellor appears by work name: their account's secrets stay unread.
    .defer(*(f"counsellor__{name}" for name in _COUNSELLOR_UNREAD))
)


def _contact_scope(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return None
    if permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS):
        return "centre"
    if permissions.has_perm(user, permissions.HANDLE_CONTACTS):
        return "own"
    return None


def _scoped_contacts(scope, organisation_id, user_id) -> QuerySet[Contact]:
    if scope is None:
        return Contact.objects.none()
    qs = _CONTACTS.filter(organisation_id=organisation_id)
    return qs if scope == "centre" else qs.filter(counsellor_id=user_id)


def contacts_visible_to(user) -> QuerySet[Contact]:
    """Counsellors see their own contacts; supervisors and directors their organisation's."""
    scope = _contact_scope(user)
    if scope is None:
        return Contact.objects.none()
    return _scoped_contacts(scope, user.organisation_id, user.pk)


# The lookup of every contact page and API request, compiled once per scope (core/compiled.py).
_CONTACT_BY_PUBLIC_ID = CompiledQuery(
    Contact,
    lambda scope, v: _scoped_contacts(scope, v["organisation"], v["user"]).filter(
        public_id=v["public_id"]
    )[:1],
    {"organisation": int, "user": int, "public_id": UUID},
)


def contact_visible_to(user, public_id) -> Contact | None:
    """``contacts_visible_to(user).filter(public_id=public_id).first()``, without compiling
    the query again. A ``public_id`` that is not a UUID raises ValidationError, as the ORM."""
    scope = _contact_scope(user)
    if scope is None:
        return None
    if not isinstance(public_id, UUID):
        try:
            public_id = UUID(str(public_id))
        except ValueError as exc:
            raise ValidationError("not a UUID") from exc
    found = _CONTACT_BY_PUBLIC_ID.fetch(
        scope, {"organisation": user.organisation_id, "user": user.pk, "public_id": public_id}
    )
    return found[0] if found else None


# Dates outside these bounds cannot be turned into aware datetimes (found by fuzzing): a filter
# beyond them is no filter at all, since no contact lies there.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9000, 1, 1)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_contacts(
    qs: QuerySet[Contact], filters: dict[str, Any], *, search_notes: bool = True
) -> QuerySet[Contact]:
    """Apply the contact list's filters (all optional, already validated).

    ``search_notes`` False (a reader whose role does not read clinical notes): the search looks
    at the person's label and the switch's call id only, so a match cannot reveal the words."""
    date_from, date_to = filters.get("date_from"), filters.get("date_to")
    if date_from and date_from > LATEST_DAY or date_to and date_to < EARLIEST_DAY:
        return qs.none()
    if date_from and date_from > EARLIEST_DAY:
        qs = qs.filter(started_at__gte=_day_start(date_from))
    if date_to and date_to < LATEST_DAY:
        qs = qs.filter(started_at__lt=_day_start(date_to + timedelta(days=1)))
    if filters.get("contact_type"):
        qs = qs.filter(contact_type=filters["contact_type"])
    if filters.get("risk_level"):
        qs = qs.filter(risk_level=filters["risk_level"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    if filters.get("counsellor"):
        qs = qs.filter(counsellor__public_id=filters["counsellor"])
    if filters.get("flagged"):
        qs = qs.filter(is_flagged=True)
    query = (filters.get("q") or "").strip()
    if query:
        text = Q(person__label__iexact=query) | Q(external_call_id=query) | Q(number=query)
        if search_notes:
            text |= (
                Q(purpose__icontains=query)
                | Q(problems__icontains=query)
                | Q(goal__icontains=query)
                | Q(counsellor_notes__icontains=query)
            )
        qs = qs.filter(text)
    return qs.order_by("-started_at", "-id")


def get_contact(user, public_id) -> Contact:
    return contacts_visible_to(user).get(public_id=public_id)


def assessments_for(contact: Contact) -> QuerySet[RiskAssessment]:
    return contact.assessments.select_related("assessed_by").order_by("created_at", "id")


def caller_history(user, contact: Contact, limit: int = 20) -> list[Contact]:
    """Earlier contacts of the same person: shown to whoever handles this contact (HL-08).

    Only a summary is shown (date, type, risk, counsellor alias); no clinical free text of
    colleagues' contacts unless the viewer may see the whole organisation.
    """
    if contact.person_id is None:
        return []
    return list(
        Contact.objects.filter(organisation_id=contact.organisation_id, person_id=contact.person_id)
        .exclude(pk=contact.pk)
        .select_related("counsellor")
        .only(
            "public_id",
            "started_at",
            "ended_at",
            "contact_type",
            "risk_level",
            "channel",
            "counsellor__alias",
            "counsellor__username",
            "counsellor_id",
            "organisation_id",
        )
        .order_by("-started_at")[:limit]
    )


def seats_for(user) -> QuerySet[Seat]:
    """The seats of the user's centre a new contact may take: those in use (not retired)."""
    if user.organisation_id is None:
        return Seat.objects.none()
    return Seat.objects.filter(organisation_id=user.organisation_id, is_active=True)


def seats_managed_by(user) -> QuerySet[Seat]:
    """Every seat of the centre the user runs, retired ones last (centre administration)."""
    if not runs_centre(user, user.organisation_id):
        return Seat.objects.none()
    return Seat.objects.filter(organisation_id=user.organisation_id).order_by("-is_active", "code")


_SEAT_BY_CODE = CompiledQuery(
    Seat,
    lambda _shape, v: Seat.objects.filter(
        organisation_id=v["organisation"], code=v["code"], is_active=True
    )[:1],
    {"organisation": int, "code": str},
)


def seat_of(user, code: str) -> Seat | None:
    """``seats_for(user).filter(code=code).first()``, compiled once (every API create)."""
    if user.organisation_id is None:
        return None
    found = _SEAT_BY_CODE.fetch("centre", {"organisation": user.organisation_id, "code": code})
    return found[0] if found else None


def seats_shown_on(user, contact: Contact) -> QuerySet[Seat]:
    """The seats the contact page offers: the user's centre's, plus the contact's own seat (so a
    reader from elsewhere, in break-glass, sees which seat took the call)."""
    own = seats_for(user)
    if contact.seat_id is None:
        return own
    if contact.organisation_id == user.organisation_id:
        # A seat retired since still shows (and stays) on the contacts it took.
        return Seat.objects.filter(
            Q(organisation_id=user.organisation_id, is_active=True) | Q(pk=contact.seat_id)
        )
    return Seat.objects.filter(pk=contact.seat_id)


def contact_of_centre(organisation_id: int, public_id) -> Contact | None:
    """A contact of the centre by its public id, for linking a switch's call event to it: only
    its id and number are read (the event names it; nothing of it is shown)."""
    return (
        Contact.objects.filter(organisation_id=organisation_id, public_id=public_id)
        .only("id", "public_id", "number", "organisation_id")
        .first()
    )


def contact_for_switch_call(
    organisation_id: int, call_ref: str, start: datetime, end: datetime
) -> Contact | None:
    """The centre's contact started between ``start`` and ``end`` with the switch call ID
    ``call_ref``, the latest if several. The time range keeps it on the (centre, start) index:
    the switch call ID has no index of its own."""
    return (
        Contact.objects.filter(
            organisation_id=organisation_id,
            started_at__gte=start,
            started_at__lte=end,
            external_call_id=call_ref,
        )
        .only("id", "public_id", "number", "organisation_id")
        .order_by("-started_at")
        .first()
    )


def counsellors_for(user) -> QuerySet[User]:
    if user.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=user.organisation_id,
        role__in=permissions.roles_with(permissions.HANDLE_CONTACTS),
        is_active=True,
    ).order_by("username")


def alerts_visible_to(user) -> QuerySet[RiskAlert]:
    """The alerts the user may open and take: the centre's, for those who take alerts."""
    if not permissions.has_perm(user, permissions.ACKNOWLEDGE_ALERTS):
        return RiskAlert.objects.none()
    return RiskAlert.objects.filter(organisation_id=user.organisation_id)


def alerts_shown_to(user) -> QuerySet[RiskAlert]:
    """The alerts the user's panel shows: all of them while on duty (rostered now, or the
    toggle on); off duty (a director, a supervisor not on shift) those escalated — nobody took
    them in time, nobody was on duty, or a public-safety report."""
    alerts = alerts_visible_to(user)
    if not user.is_on_duty:
        # Rostered now (operations' rota, through hotline.duty) is on duty without the toggle.
        alerts = alerts.filter(Q(escalated_at__isnull=False) | duty.rostered_now(user.pk))
    return alerts


def contact_history(contact: Contact):
    """The change history of a contact and its assessments and safety plan (who, what, when)."""
    from xinyuan.audit.models import AuditEvent

    ids = [contact.public_id, *contact.assessments.values_list("public_id", flat=True)]
    plan_id = getattr(getattr(contact, "safety_plan", None), "public_id", None)
    if plan_id:
        ids.append(plan_id)
    # By the records' own ids (UUIDs of this contact and its parts, so the events are this
    # centre's): the target_id index serves it. Filtering by organisation as well made SQLite
    # walk the centre's whole trail (266 ms at 1M events, docs/benchmarks.md).
    return (
        AuditEvent.objects.filter(
            target_type__in=("hotline.contact", "hotline.riskassessment", "hotline.safetyplan"),
            target_id__in=ids,
        )
        .exclude(action="view")
        .select_related("actor")
        .order_by("created_at", "id")
    )


def follow_up_assessments_for(contact: Contact) -> QuerySet[RiskAssessment]:
    """Assessments made at the follow-ups of this contact (shown on the contact's page)."""
    return (
        RiskAssessment.objects.filter(follow_up__contact=contact)
        .select_related("assessed_by", "follow_up")
        .order_by("created_at", "id")
    )


def latest_alert_for(contact: Contact) -> RiskAlert | None:
    return (
        RiskAlert.objects.filter(contact=contact)
        .select_related("acknowledged_by")
        .order_by("-created_at")
        .first()
    )


def has_live_contact(user, public_id: str) -> bool:
    """Whether ``public_id`` is a contact in progress handled by ``user``."""
    try:
        key = UUID(str(public_id))
    except ValueError:
        return False
    return Contact.objects.filter(
        public_id=key, counsellor_id=user.pk, status=ContactStatus.OPEN, ended_at__isnull=True
    ).exists()


def is_overdue_alert(alert: RiskAlert) -> bool:
    """Nobody took the alert within ALERT_ESCALATE_MINUTES and it is not yet escalated."""
    cutoff = timezone.now() - timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)
    return (
        alert.acknowledged_at is None and alert.escalated_at is None and alert.created_at <= cutoff
    )


def supervisors_on_duty(organisation_id) -> int:
    """The centre's alert takers on duty: rostered now, or with the duty toggle on."""
    return _alert_takers(organisation_id).filter(duty.on_duty_users()).count()


def who_to_call(organisation_id) -> list[User]:
    """With nobody on duty: the centre's directors, then its other supervisors (at most 3)."""
    return list(
        _alert_takers(organisation_id).order_by(
            Case(When(role=Role.DIRECTOR, then=0), default=1), "alias", "username"
        )[:3]
    )


def _alert_takers(organisation_id) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id=organisation_id,
        role__in=permissions.roles_with(permissions.ACKNOWLEDGE_ALERTS),
        is_active=True,
    )


# Emergency (break-glass) access --------------------------------------------------------------

BREAK_GLASS_RESULTS = 20


def other_centres(user) -> list:
    """The other centres of the user's region (break-glass searches them)."""
    from xinyuan.accounts.models import Organisation

    own = getattr(user, "organisation", None)
    if own is None or own.region_id is None:
        return []
    return list(Organisation.objects.filter(region_id=own.region_id).exclude(pk=own.pk))


def break_glass_candidates(
    user, *, reference=None, number: str = "", centre=None, caller_number: str = ""
) -> list[Contact]:
    """Contacts of the *other* centres of the user's region matching a record ID, a contact
    number with its centre, or a caller's number (by keyed hash). Nothing is granted here;
    opening them is an action."""
    from xinyuan.cases import rules as case_rules
    from xinyuan.core import crypto

    own = getattr(user, "organisation", None)
    if not permissions.has_perm(user, permissions.BREAK_GLASS) or own is None:
        return []
    if own.region_id is None:
        return []
    qs = (
        Contact.objects.filter(organisation__region_id=own.region_id)
        .exclude(organisation_id=own.pk)
        .select_related("organisation", "counsellor")
    )
    if reference:
        qs = qs.filter(public_id=reference)
    elif number and centre:
        qs = qs.filter(organisation__public_id=centre, number=number)
    elif caller_number:
        normalised = case_rules.normalise_identity("phone", caller_number)
        qs = qs.filter(
            identity__kind="phone",
            identity__value_hash__in=crypto.keyed_hashes("phone", normalised),
        )
    else:
        return []
    return list(qs.order_by("-started_at")[:BREAK_GLASS_RESULTS])


def break_glass_grant(user, public_id):
    """The user's unexpired emergency access to the contact, if any (with the contact)."""
    from xinyuan.hotline.models import BreakGlassAccess

    if not permissions.has_perm(user, permissions.BREAK_GLASS):
        return None
    return (
        BreakGlassAccess.objects.filter(
            user=user, contact__public_id=public_id, expires_at__gt=timezone.now()
        )
        .select_related(
            "contact__counsellor", "contact__seat", "contact__person", "contact__organisation"
        )
        .order_by("-expires_at")
        .first()
    )


def active_break_glass_for(user) -> list:
    """The user's unexpired emergency accesses, newest first."""
    from xinyuan.hotline.models import BreakGlassAccess

    return list(
        BreakGlassAccess.objects.filter(user=user, expires_at__gt=timezone.now())
        .select_related("contact__organisation")
        .order_by("-created_at")[:BREAK_GLASS_RESULTS]
    )


def break_glass_accesses_for_review(user):
    """Emergency accesses to the user's centre's records (auditors and directors review them)."""
    from xinyuan.hotline.models import BreakGlassAccess

    if not permissions.has_perm(user, permissions.VIEW_AUDIT) or user.organisation_id is None:
        return BreakGlassAccess.objects.none()
    return BreakGlassAccess.objects.filter(organisation_id=user.organisation_id).select_related(
        "user__organisation", "reviewed_by", "contact"
    )


# A person's data (PIPL) ---------------------------------------------------------------------

# Not for the person's copy: internal references, and what would tip off an investigation or
# expose who reported them (legal hold, flags); disclosures are exported only when the person
# consented to them (the others are legal exceptions the director reviews case by case).
EXPORT_SKIP = {
    "id",
    "organisation",
    "identity",
    "person",
    "field_versions",
    "version",
    "contact",
    "follow_up",
    "legal_hold",
    "legal_hold_reason",
    "is_flagged",
    "flag_reason",
    "submission_key",
    "participant",
}


def _plain(obj) -> dict:
    """The record's own fields as JSON-ready values; staff appear by their work name only."""
    out = {}
    for f in obj._meta.concrete_fields:
        if f.name in EXPORT_SKIP:
            continue
        value = getattr(obj, f.name)
        if f.is_relation:
            value = getattr(value, "work_name", None) or (str(value) if value else None)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif not isinstance(value, bool | int | float | str | list | dict | type(None)):
            value = str(value)
        out[f.name] = value
    return out


def person_data(person, *, with_notes: bool) -> dict:
    """Everything held about one person, for their request under PIPL (the director's export).

    The caller decides who may export (``cases.access``); ``with_notes``: the clinical words
    are included only when the reader may read them — a director only after stating why, which
    is recorded as a reveal on each contact (field-level hiding, as in the page and the API)."""
    from xinyuan.core import crypto
    from xinyuan.hotline.clinical_text import hidden_fields

    def plain(obj) -> dict:
        values = _plain(obj)
        if not with_notes:
            for name in hidden_fields(obj._meta.label_lower) & values.keys():
                values[name] = None
        return values

    contacts = (
        Contact.objects.filter(person=person)
        .select_related("counsellor", "seat")
        .prefetch_related("assessments", "disclosures", "follow_ups__assessments")
        .order_by("started_at")
    )
    items: list[dict] = []
    data = {
        "person": _plain(person),
        "identities": [
            {"kind": i.kind, "value": crypto.decrypt(i.encrypted_value)}
            for i in person.identities.all()
        ],
        "consents": [_plain(c) for c in person.consents.all()],
        "contacts": items,
        "self_assessments": [
            _plain(r) for r in person.self_assessments.order_by("created_at", "id")
        ],
        "clinical_notes_included": with_notes,
    }
    for contact in contacts:
        item = plain(contact)
        item["risk_assessments"] = [plain(a) for a in contact.assessments.all()]
        plan = getattr(contact, "safety_plan", None)
        item["safety_plan"] = plain(plan) if plan else None
        item["follow_ups"] = [
            {**plain(f), "risk_assessments": [plain(a) for a in f.assessments.all()]}
            for f in contact.follow_ups.all()
        ]
        item["disclosures"] = [
            plain(d) for d in contact.disclosures.all() if d.kind == DisclosureKind.WITH_CONSENT
        ]
        items.append(item)
    return data


def last_assessment_of(contact: Contact) -> RiskAssessment | None:
    """The last suicide-risk assessment of a contact, at the contact or at one of its
    follow-ups (two indexed reads instead of one OR across a join, which scanned every
    assessment)."""
    candidates = [
        RiskAssessment.objects.filter(**where).order_by("-created_at", "-id").first()
        for where in ({"contact": contact}, {"follow_up__contact": contact})
    ]
    return max(
        (a for a in candidates if a is not None),
        key=lambda a: (a.created_at, a.id),
        default=None,
    )


def next_follow_up_of(follow_up):
    """The follow-up booked after this one, if any."""
    from xinyuan.cases.models import FollowUp

    return FollowUp.objects.filter(previous=follow_up).first()


# The returning caller ------------------------------------------------------------------------


@dataclass
class ReturningCaller:
    """What the counsellor needs in the first minute of a known caller's new contact."""

    previous: Contact  # the caller's last contact before this one
    last_risk: Contact | None  # their last contact with a risk level judged
    last_plan: SafetyPlan | None  # the plan of their last contact that had one (with content)
    follow_ups: list  # their scheduled follow-ups, the most overdue first
    harassment_count: int  # contacts ended as harassment in the last HARASSMENT_WINDOW_DAYS
    notes: list  # caller notes in force

    window_days = rules.HARASSMENT_WINDOW_DAYS

    @property
    def harassment_warning(self) -> bool:
        return rules.harassment_warning(self.harassment_count)


_PREVIOUS_FIELDS = (
    "public_id",
    "number",
    "started_at",
    "risk_level",
    "counsellor_id",
    "counsellor__alias",
    "counsellor__username",
    *rules.CALLER_PROFILE_FIELDS,
)
_PLAN_HAS_CONTENT = (
    ~Q(warning_signs="")
    | ~Q(coping_steps="")
    | ~Q(people_to_call="")
    | ~Q(medical_institutions="")
    | ~Q(referral_advice="")
)


def returning_caller(
    user, contact: Contact, *, now: datetime | None = None
) -> ReturningCaller | None:
    """The summary of a known caller's earlier contacts, for whoever handles or reads this
    contact in its own centre (never another centre, not even in an emergency access: the
    summary is about the person, not this record). None for a first contact.

    Six queries for a returning caller (five when their previous contact has a risk level),
    one for a caller whose earlier contacts are gone, none for an unknown or first-time
    caller: no query per row."""
    from xinyuan.cases.models import FollowUp, FollowUpStatus
    from xinyuan.cases.selectors import active_caller_notes

    person = contact.person
    if person is None or _contact_scope(user) is None:
        return None
    if user.organisation_id != contact.organisation_id or person.contact_count < 2:
        return None
    now = now or timezone.now()
    earlier = Contact.objects.filter(
        organisation_id=contact.organisation_id,
        person_id=person.pk,
        started_at__lte=contact.started_at,
    ).exclude(pk=contact.pk)
    by_recency = ("-started_at", "-id")
    previous = (
        earlier.select_related("counsellor").only(*_PREVIOUS_FIELDS).order_by(*by_recency).first()
    )
    if previous is None:
        return None
    last_risk: Contact | None = previous
    if not previous.risk_level:
        last_risk = (
            earlier.exclude(risk_level="")
            .select_related("counsellor")
            .only(*_PREVIOUS_FIELDS)
            .order_by(*by_recency)
            .first()
        )
    last_plan = (
        SafetyPlan.objects.filter(_PLAN_HAS_CONTENT, contact__in=earlier)
        .select_related("contact")
        .order_by("-contact__started_at", "-contact__id")
        .first()
    )
    follow_ups = list(
        FollowUp.objects.filter(
            organisation_id=contact.organisation_id,
            person_id=person.pk,
            status=FollowUpStatus.SCHEDULED,
        )
        .select_related("assigned_to")
        .order_by("due_at", "id")[:10]
    )
    harassment_count = Contact.objects.filter(
        organisation_id=contact.organisation_id,
        person_id=person.pk,
        is_flagged=True,
        flag_reason="harassment",
        started_at__gte=now - timedelta(days=rules.HARASSMENT_WINDOW_DAYS),
    ).count()
    return ReturningCaller(
        previous=previous,
        last_risk=last_risk,
        last_plan=last_plan,
        follow_ups=follow_ups,
        harassment_count=harassment_count,
        notes=active_caller_notes(user, person.pk, now=now),
    )
