"""Reads of running the centre, scoped to the actor's centre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from xinyuan.accounts.models import User
from xinyuan.core import permissions
from xinyuan.hotline.models import Contact, RiskLevel
from xinyuan.operations import rules
from xinyuan.operations.models import (
    REQUIRED_TOPICS,
    CallReview,
    Complaint,
    ComplaintChannel,
    ComplaintKind,
    ComplaintStatus,
    ServiceWindow,
    Shift,
    SupervisionSession,
    TrainingRecord,
    TrainingSession,
    TrainingTopic,
    WorkloadLimits,
)


def _local_hour(moment: datetime) -> datetime:
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.replace(minute=0, second=0, microsecond=0)


def shifts_now(organisation_id: int, now: datetime | None = None) -> QuerySet[Shift]:
    """The shifts someone is on right now (who staffs which seat)."""
    now = now or timezone.now()
    return (
        Shift.objects.filter(
            organisation_id=organisation_id,
            user__is_active=True,
            seat__is_active=True,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("seat", "user")
        .order_by("seat__code")
    )


def coverage_for(
    organisation_id: int, start: datetime | None = None, days: int = 14
) -> list[rules.HourCoverage]:
    """Every hour from the current one for ``days`` days: seats required and staffed."""
    first = _local_hour(start or timezone.now())
    last = first + timedelta(days=days)
    windows = [
        rules.Window(w.weekday, w.starts_at, w.ends_at, w.min_seats)
        for w in ServiceWindow.objects.filter(organisation_id=organisation_id)
    ]
    # A shift staffs its seat only while its person may work and its seat exists: a shift left
    # to someone deactivated, or on a retired seat, is a gap to fill, not coverage.
    staffed = [
        rules.Staffed(seat_id, starts_at, ends_at)
        for seat_id, starts_at, ends_at in Shift.objects.filter(
            organisation_id=organisation_id,
            user__is_active=True,
            seat__is_active=True,
            ends_at__gt=first,
            starts_at__lt=last,
        ).values_list("seat_id", "starts_at", "ends_at")
    ]
    return rules.coverage(windows, staffed, first, days * 24)


def next_coverage_gap(
    organisation_id: int, start: datetime | None = None, days: int = 14
) -> rules.HourCoverage | None:
    """The first hour within ``days`` days with fewer seats staffed than promised."""
    return next((hour for hour in coverage_for(organisation_id, start, days) if hour.is_gap), None)


def missing_required_training(user, on) -> list[str]:
    """The required pre-service topics the user holds no current record of on date ``on``."""
    held = set(
        TrainingRecord.objects.filter(user=user, completed_on__lte=on)
        .exclude(expires_on__lt=on)
        .values_list("topic", flat=True)
    )
    return [str(topic) for topic in REQUIRED_TOPICS if topic not in held]


# =============================================================================================
# Load and burn-out signals (OP-02)
# =============================================================================================


@dataclass(frozen=True)
class WorkloadRow:
    user: Any
    load: rules.WeekLoad
    over: tuple[str, ...]  # rules.OVER_* in a fixed order; empty when within every limit


@dataclass(frozen=True)
class Workload:
    week_start: date
    starts_at: datetime  # Monday 00:00, local
    ends_at: datetime  # the next Monday 00:00, local
    limits: rules.LoadLimits
    limits_saved: bool  # False: the defaults apply (the centre saved none)
    rows: list[WorkloadRow]  # those over a limit first, then by name


def workload_limits_for(organisation_id: int | None) -> tuple[rules.LoadLimits, bool]:
    """The centre's limits and whether it saved them (otherwise the defaults)."""
    saved = (
        WorkloadLimits.objects.filter(organisation_id=organisation_id).first()
        if organisation_id is not None
        else None
    )
    if saved is None:
        return rules.DEFAULT_LOAD_LIMITS, False
    return (
        rules.LoadLimits(
            max_hours_per_week=float(saved.max_hours_per_week),
            max_night_shifts_per_week=saved.max_night_shifts_per_week,
            min_rest_hours=float(saved.min_rest_hours),
            max_high_risk_contacts_per_week=saved.max_high_risk_contacts_per_week,
        ),
        True,
    )


def saved_workload_limits(actor) -> WorkloadLimits | None:
    """The limits the actor's centre saved, for the page that edits them."""
    if actor.organisation_id is None:
        return None
    return WorkloadLimits.objects.filter(organisation_id=actor.organisation_id).first()


def workload_for(actor, week_start: date) -> Workload:
    """Each person's load in the ISO week starting on ``week_start`` (a Monday; another day
    means its week), as the actor may see it: the centre's counsellors and supervisors (and
    anyone else rostered that week) for those who see the staff's load, the actor's own line for
    whoever sees only their own, nothing otherwise. Four queries however many people: the
    limits, the people, the shifts of the week and a day either side, and the high-risk
    contacts counted per counsellor in one GROUP BY."""
    tz = ZoneInfo(settings.TIME_ZONE)
    week_start = rules.week_start_of(week_start)
    starts_at, ends_at = rules.week_bounds(week_start, tz)
    limits, limits_saved = workload_limits_for(actor.organisation_id)
    # Scoped by the permission table, as ``access.decide_workload`` decides for the pages (the
    # access module builds on these selectors, never the other way round).
    in_centre = actor.organisation_id is not None
    can_view_staff = in_centre and permissions.has_perm(actor, permissions.VIEW_STAFF_WORKLOAD)
    can_view_own = in_centre and permissions.has_perm(actor, permissions.VIEW_OWN_WORKLOAD)
    empty = Workload(week_start, starts_at, ends_at, limits, limits_saved, [])
    if not (can_view_staff or can_view_own):
        return empty
    org_id = actor.organisation_id

    shifts = Shift.objects.filter(
        organisation_id=org_id,
        user__isnull=False,
        ends_at__gt=starts_at - timedelta(days=1),
        starts_at__lt=ends_at + timedelta(days=1),
    )
    contacts = Contact.objects.filter(
        organisation_id=org_id,
        risk_level__in=[RiskLevel.HIGH, RiskLevel.IMMINENT],
        started_at__gte=starts_at,
        started_at__lt=ends_at,
    )
    if can_view_staff:
        people = User.objects.filter(organisation_id=org_id).filter(
            Q(
                role__in=permissions.roles_with(permissions.VIEW_OWN_WORKLOAD),
                is_active=True,
            )
            | Q(
                pk__in=shifts.filter(ends_at__gt=starts_at, starts_at__lt=ends_at).values("user_id")
            )
        )
    else:
        people = User.objects.filter(pk=actor.pk)
        shifts = shifts.filter(user_id=actor.pk)
        contacts = contacts.filter(counsellor_id=actor.pk)

    by_user: dict[int, list[rules.Stretch]] = {}
    # No ordering: the rule sorts; the model's default order would join the seats.
    for user_id, shift_start, shift_end in shifts.order_by().values_list(
        "user_id", "starts_at", "ends_at"
    ):
        by_user.setdefault(user_id, []).append(rules.Stretch(shift_start, shift_end))
    high_risk = dict(
        contacts.order_by()
        .values("counsellor_id")
        .annotate(n=Count("id"))
        .values_list("counsellor_id", "n")
    )
    rows = []
    for person in people:
        load = rules.week_load(
            by_user.get(person.pk, []), high_risk.get(person.pk, 0), week_start, tz
        )
        rows.append(WorkloadRow(person, load, rules.limits_exceeded(load, limits)))
    rows.sort(key=lambda row: (not row.over, row.user.work_name, row.user.pk))
    return Workload(week_start, starts_at, ends_at, limits, limits_saved, rows)


# Training and supervision (OP-03) -------------------------------------------------------------


@dataclass(frozen=True)
class TopicStanding:
    """One required topic for one person: the record that holds longest, and its state."""

    topic: str
    label: str
    state: str  # rules.TrainingState
    completed_on: date | None
    expires_on: date | None


def _standing(records: list[TrainingRecord], today: date) -> list[TopicStanding]:
    """Each required topic's standing from the person's records (already fetched)."""
    labels = dict(TrainingTopic.choices)
    result = []
    for topic in REQUIRED_TOPICS:
        held = [r for r in records if r.topic == topic and r.completed_on <= today]
        expiry = rules.best_expiry(r.expires_on for r in held) if held else None
        completed = max((r.completed_on for r in held), default=None)
        state = rules.training_state(expiry, today, held=bool(held))
        result.append(TopicStanding(str(topic), str(labels[topic]), state, completed, expiry))
    return result


def training_staff(user) -> QuerySet[User]:
    """The centre's active staff who take calls (those the pre-service training is for), for
    those who manage training; nobody otherwise."""
    if not permissions.has_perm(user, permissions.MANAGE_TRAINING):
        return User.objects.none()
    return User.objects.filter(
        organisation_id=user.organisation_id,
        role__in=permissions.roles_with(permissions.HANDLE_CONTACTS),
        is_active=True,
    ).order_by("username")


def training_records_of(person) -> QuerySet[TrainingRecord]:
    """A person's training records (the caller has decided they may see them)."""
    return TrainingRecord.objects.filter(
        organisation_id=person.organisation_id, user=person
    ).select_related("session")


def training_standing_of(person, today: date | None = None) -> list[TopicStanding]:
    """Each required topic of one person: current, expiring within 30 days, expired, missing."""
    today = today or timezone.localdate()
    return _standing(list(TrainingRecord.objects.filter(user=person)), today)


def training_warnings_for(user, today: date | None = None) -> list[TopicStanding]:
    """The user's own required topics that are expiring, expired or missing (one query), for
    their workstation; none for a role that takes no calls."""
    if not permissions.has_perm(user, permissions.HANDLE_CONTACTS):
        return []
    return [s for s in training_standing_of(user, today) if s.state != rules.TrainingState.CURRENT]


@dataclass(frozen=True)
class PersonTraining:
    person: User
    standing: list[TopicStanding]

    @property
    def problems(self) -> list[TopicStanding]:
        return [s for s in self.standing if s.state != rules.TrainingState.CURRENT]


def training_overview(user, today: date | None = None) -> list[PersonTraining]:
    """Every call-taking staff member of the centre with each required topic's standing (two
    queries, whatever the centre's size)."""
    today = today or timezone.localdate()
    staff = list(training_staff(user))
    by_user: dict[int, list[TrainingRecord]] = {person.pk: [] for person in staff}
    for record in TrainingRecord.objects.filter(
        organisation_id=user.organisation_id, user_id__in=list(by_user)
    ):
        by_user[record.user_id].append(record)
    return [PersonTraining(person, _standing(by_user[person.pk], today)) for person in staff]


def training_sessions_visible_to(user) -> QuerySet[TrainingSession]:
    if not permissions.has_perm(user, permissions.MANAGE_TRAINING):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(organisation_id=user.organisation_id).annotate(
        attendee_count=Count("records__user", distinct=True)
    )


def supervision_sessions_visible_to(user) -> QuerySet[SupervisionSession]:
    """The centre's supervision sessions for those who manage training; otherwise those the
    user attended or gave. Contacts discussed are fetched by their number alone."""
    if user.organisation_id is None:
        return SupervisionSession.objects.none()
    qs = SupervisionSession.objects.filter(organisation_id=user.organisation_id)
    if not permissions.has_perm(user, permissions.MANAGE_TRAINING):
        if not permissions.has_perm(user, permissions.HANDLE_CONTACTS):
            return SupervisionSession.objects.none()
        qs = qs.filter(Q(attendees=user) | Q(supervisor=user)).distinct()
    return qs.select_related("supervisor").prefetch_related(
        Prefetch("attendees", queryset=User.objects.order_by("username")),
        Prefetch("contacts", queryset=Contact.objects.only("id", "number").order_by("number")),
    )


def supervision_sessions_of(user, person) -> QuerySet[SupervisionSession]:
    """The sessions ``person`` attended or gave, among those ``user`` may see."""
    return (
        supervision_sessions_visible_to(user)
        .filter(Q(attendees=person) | Q(supervisor=person))
        .distinct()
    )


def contacts_for_supervision(user, numbers: list[str]) -> QuerySet[Contact]:
    """The centre's contacts with these contact numbers (as a supervisor types them)."""
    if not permissions.has_perm(user, permissions.MANAGE_TRAINING) or not numbers:
        return Contact.objects.none()
    return Contact.objects.filter(organisation_id=user.organisation_id, number__in=numbers)


# Call reviews (评价考核) ------------------------------------------------------------------------


def reviews_visible_to(user) -> QuerySet[CallReview]:
    """All of the centre's for who sees reviews (supervisors, directors); otherwise the reviews
    of the user's own contacts. The contact is fetched by its number alone."""
    if user.organisation_id is None:
        return CallReview.objects.none()
    qs = CallReview.objects.filter(organisation_id=user.organisation_id)
    if not permissions.has_perm(user, permissions.VIEW_CALL_REVIEWS):
        if not permissions.has_perm(user, permissions.HANDLE_CONTACTS):
            return CallReview.objects.none()
        qs = qs.filter(counsellor=user)
    return qs.select_related("reviewer", "counsellor", "contact").defer(
        *[
            f"contact__{f.name}"
            for f in Contact._meta.concrete_fields
            if f.name not in ("id", "public_id", "number", "started_at", "organisation")
        ]
    )


def reviews_of(user) -> QuerySet[CallReview]:
    """The reviews of the user's own contacts (我的评价), the newest first."""
    return reviews_visible_to(user).filter(counsellor=user)


def unseen_review_count(user) -> int:
    if not permissions.has_perm(user, permissions.HANDLE_CONTACTS):
        return 0
    return CallReview.objects.filter(counsellor=user, seen_by_counsellor_at__isnull=True).count()


# Complaints and feedback (HL-15) --------------------------------------------------------------


def complaints_visible_to(user) -> QuerySet[Complaint]:
    if not permissions.has_perm(user, permissions.HANDLE_COMPLAINTS):
        return Complaint.objects.none()
    return Complaint.objects.filter(organisation_id=user.organisation_id).select_related(
        "owner", "entered_by"
    )


def complaint_handlers(user) -> QuerySet[User]:
    """Who may own an entry: the centre's active staff who handle complaints."""
    if not permissions.has_perm(user, permissions.HANDLE_COMPLAINTS):
        return User.objects.none()
    return User.objects.filter(
        organisation_id=user.organisation_id,
        role__in=permissions.roles_with(permissions.HANDLE_COMPLAINTS),
        is_active=True,
    ).order_by("username")


def is_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    return rules.complaint_is_overdue(
        complaint.received_at,
        complaint.status == ComplaintStatus.RESOLVED,
        now or timezone.now(),
        days=settings.COMPLAINT_OVERDUE_DAYS,
    )


# Counted in reports (the reports app calls these for the centres it reports on) --------------


def _period(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """Local days ``date_from`` … ``date_to`` (both included) as an aware [start, end)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


@dataclass(frozen=True)
class TrainingSummary:
    sessions: int  # training sessions the centres held
    session_hours: Decimal  # their hours added up
    # (topic code, label, sessions, hours) per content, in the order of the topics
    topics: list[tuple[str, str, int, Decimal]]
    people_trained: int  # distinct people with a training completed in the period (any source)
    person_hours: Decimal  # hours of all those records added up
    supervision_sessions: int
    supervision_hours: Decimal


def training_summary(organisation_ids, date_from: date, date_to: date) -> TrainingSummary:
    """The work report's training line (OP-03): sessions, content, people trained and hours,
    for sessions held and records completed from ``date_from`` to ``date_to`` (included)."""
    ids = list(organisation_ids)
    sessions = TrainingSession.objects.filter(
        organisation_id__in=ids, held_on__gte=date_from, held_on__lte=date_to
    )
    by_topic = {
        row["topic"]: (row["n"], row["hours"] or Decimal(0))
        for row in sessions.values("topic").annotate(n=Count("id"), hours=Sum("hours"))
    }
    records = TrainingRecord.objects.filter(
        organisation_id__in=ids, completed_on__gte=date_from, completed_on__lte=date_to
    ).aggregate(people=Count("user", distinct=True), hours=Sum("hours"))
    supervision = SupervisionSession.objects.filter(
        organisation_id__in=ids, held_on__gte=date_from, held_on__lte=date_to
    ).aggregate(n=Count("id"), hours=Sum("hours"))
    topics = [
        (str(code), str(label), *by_topic[code])
        for code, label in TrainingTopic.choices
        if code in by_topic
    ]
    return TrainingSummary(
        sessions=sum(n for _code, _label, n, _hours in topics),
        session_hours=sum((hours for *_rest, hours in topics), Decimal(0)),
        topics=topics,
        people_trained=records["people"] or 0,
        person_hours=records["hours"] or Decimal(0),
        supervision_sessions=supervision["n"] or 0,
        supervision_hours=supervision["hours"] or Decimal(0),
    )


@dataclass(frozen=True)
class ComplaintsSummary:
    received: int  # entries received in the period
    by_kind: dict[str, int]  # kind → entries received in the period (every kind listed)
    by_status: dict[str, int]  # status now of the entries received in the period
    by_channel: dict[str, int]
    resolved_in_period: int  # entries resolved in the period, whenever received
    open_overdue: int  # received in the period, unresolved now, past the overdue limit


def complaints_summary(organisation_ids, date_from: date, date_to: date) -> ComplaintsSummary:
    """The work report's complaints line (HL-15), from ``date_from`` to ``date_to`` (included)."""
    ids = list(organisation_ids)
    start, end = _period(date_from, date_to)
    received = Complaint.objects.filter(
        organisation_id__in=ids, received_at__gte=start, received_at__lt=end
    )
    rows: list[dict[str, Any]] = [
        dict(row) for row in received.values("kind", "status", "channel").annotate(n=Count("id"))
    ]

    def count_by(field: str, choices) -> dict[str, int]:
        counts = dict.fromkeys((str(value) for value, _label in choices), 0)
        for row in rows:
            counts[row[field]] = counts.get(row[field], 0) + row["n"]
        return counts

    now = timezone.now()
    overdue = 0
    if settings.COMPLAINT_OVERDUE_DAYS > 0:
        overdue = (
            received.exclude(status=ComplaintStatus.RESOLVED)
            .filter(received_at__lt=now - timedelta(days=settings.COMPLAINT_OVERDUE_DAYS))
            .count()
        )
    return ComplaintsSummary(
        received=sum(row["n"] for row in rows),
        by_kind=count_by("kind", ComplaintKind.choices),
        by_status=count_by("status", ComplaintStatus.choices),
        by_channel=count_by("channel", ComplaintChannel.choices),
        resolved_in_period=Complaint.objects.filter(
            organisation_id__in=ids, resolved_at__gte=start, resolved_at__lt=end
        ).count(),
        open_overdue=overdue,
    )


# The rota ---------------------------------------------------------------------------------------


def rostered_now_condition(user_ref):
    """Registered with hotline (``hotline.duty``): the user has a shift covering now, by the
    database's clock."""
    from django.db.models import Exists
    from django.db.models.functions import Now

    return Exists(Shift.objects.filter(user_id=user_ref, starts_at__lte=Now(), ends_at__gt=Now()))


def current_shift_of(user) -> Shift | None:
    """The user's shift covering now (the workstation shows it by the duty toggle)."""
    now = timezone.now()
    return (
        Shift.objects.filter(user_id=user.pk, starts_at__lte=now, ends_at__gt=now)
        .select_related("seat")
        .order_by("ends_at")
        .first()
    )


def service_windows_of(organisation_id: int) -> QuerySet[ServiceWindow]:
    return ServiceWindow.objects.filter(organisation_id=organisation_id).order_by(
        "weekday", "starts_at"
    )


def shift_templates_of(organisation_id: int):
    from xinyuan.operations.models import ShiftTemplate

    return (
        ShiftTemplate.objects.filter(organisation_id=organisation_id)
        .select_related("seat", "default_user")
        .order_by("weekday", "starts_at", "seat__code")
    )


def seats_of(organisation_id: int):
    from xinyuan.hotline.models import Seat

    return Seat.objects.filter(organisation_id=organisation_id).order_by("code")


def rosterable_staff(organisation_id: int):
    """The centre's people who work shifts (counsellors, supervisors, directors)."""
    from xinyuan.accounts.models import User
    from xinyuan.core import permissions

    roles = set(permissions.roles_with(permissions.HANDLE_CONTACTS)) | set(
        permissions.roles_with(permissions.ACKNOWLEDGE_ALERTS)
    )
    return User.objects.filter(
        organisation_id=organisation_id, role__in=roles, is_active=True
    ).order_by("alias", "username")


def week_bounds(day) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 (local) of the week holding ``day``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    monday = day - timedelta(days=day.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    return start, start + timedelta(days=7)


def shifts_of_week(organisation_id: int, day) -> QuerySet[Shift]:
    """The shifts starting in the week (Monday–Sunday) holding ``day``, with seat and person."""
    start, end = week_bounds(day)
    return (
        Shift.objects.filter(
            organisation_id=organisation_id, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("seat", "user")
        .order_by("starts_at", "seat__code")
    )


def open_shift_requests(organisation_id: int):
    """Requests still waiting (for the colleague or for approval)."""
    from xinyuan.operations.models import ShiftRequest, ShiftRequestStatus

    return (
        ShiftRequest.objects.filter(
            organisation_id=organisation_id,
            status__in=(ShiftRequestStatus.ASKED, ShiftRequestStatus.ACCEPTED),
        )
        .select_related("shift__seat", "other_shift__seat", "requested_by", "colleague")
        .order_by("shift__starts_at")
    )


def my_upcoming_shifts(user, limit: int = 30) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(user_id=user.pk, ends_at__gt=timezone.now())
        .select_related("seat")
        .order_by("starts_at")[:limit]
    )


def shift_of_centre(organisation_id: int, public_id) -> Shift | None:
    return (
        Shift.objects.filter(organisation_id=organisation_id, public_id=public_id)
        .select_related("user", "seat")
        .first()
    )
