"""The official hotline work report (心理援助热线工作报表) and the report page's breakdowns.

Figures are computed by a fixed handful of aggregate queries (GROUP BY and conditional counts
in the database), whatever the number of contacts: never a loop over contacts in Python. Every
query reads through ``report_database()`` (the read replica when one is configured). The
definitions of each figure are in docs/reports.md and shown as footnotes on the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, Sum, TextField
from django.db.models.functions import (
    Cast,
    ExtractHour,
    TruncDate,
    TruncDay,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone
from django.utils.translation import gettext

from xinyuan.accounts.models import Employment, Qualification, User
from xinyuan.cases.models import FollowUpStatus
from xinyuan.core import permissions
from xinyuan.hotline import taxonomy
from xinyuan.hotline.models import (
    AgeGroup,
    CallEvent,
    CallEventKind,
    Channel,
    Contact,
    ContactType,
    EmergencyCall,
    EmergencyService,
    Gender,
    Outcome,
    RiskLevel,
    WorkStatus,
)
from xinyuan.operations import rules as operations_rules
from xinyuan.operations.models import (
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    ServiceWindow,
    TrainingRecord,
    TrainingSession,
    TrainingTopic,
    Weekday,
)
from xinyuan.reports import rules
from xinyuan.reports.access import ReportScope
from xinyuan.reports.models import WorkReportSignOff
from xinyuan.reports.replica import report_database

# The work report's definitions (docs/reports.md).
HIGH_CRISIS_LEVELS = (RiskLevel.HIGH, RiskLevel.IMMINENT)
DIFFICULT_TYPES = (ContactType.SILENT, ContactType.HARASSMENT, ContactType.MENTAL_DISORDER)
REFERRAL_OUTCOMES = (Outcome.REFERRED, Outcome.CRISIS)
SERVICE_COUNTS = ("contacts", "phone_contacts", "high_crisis", "difficult", "repeated")
CALL_COUNTS = ("call_events", "calls_offered", "calls_answered", "local_calls", "non_local_calls")
# A region officer sees where part-timers come from only for groups of at least this many: a
# named school with one part-timer names that person.
MIN_GROUP_FOR_REGION = 3
# What a rollup row was computed with: these definitions and the code list's version. A row of
# another definition is not used (the day is computed from the contacts) until refreshed.
ROLLUP_DEFINITION = f"rollup-1/{taxonomy.VERSION}"


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) of the calendar days first…last in the centre's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


# --- the work report's sections ----------------------------------------------------------------


@dataclass
class Service:
    """服务情况. ``calls_handled`` and the answer rate come from the telephone switch's events;
    when the switch reported none, calls handled are the phone contacts recorded and the answer
    rate is unknown (None, shown "—"), never 100 %."""

    contacts: int = 0
    phone_contacts: int = 0
    calls_offered: int = 0
    calls_answered: int = 0
    call_events: int = 0
    local_calls: int = 0
    non_local_calls: int = 0
    high_crisis: int = 0
    difficult: int = 0
    repeated: int = 0

    def add(self, other: Service) -> None:
        for name in SERVICE_COUNTS + CALL_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def has_call_events(self) -> bool:
        return self.call_events > 0

    @property
    def calls_handled(self) -> int:
        return self.calls_answered if self.has_call_events else self.phone_contacts

    @property
    def answer_rate(self) -> float | None:
        if not self.has_call_events:
            return None
        return rules.rate(self.calls_answered, self.calls_offered)


@dataclass
class Problems:
    """问题类型: contacts per row of the form (a contact counts once in each row it touches)."""

    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(taxonomy.REPORT_ROWS, 0))
    uncoded: int = 0

    def add(self, other: Problems) -> None:
        self.uncoded += other.uncoded
        for row, n in other.rows.items():
            self.rows[row] = self.rows.get(row, 0) + n


@dataclass
class Staff:
    """人员情况: active hotline staff (those who take contacts) of the centres, now."""

    total: int = 0
    full_time: int = 0
    part_time: int = 0
    by_qualification: dict[str, int] = field(default_factory=dict)  # "" = not recorded
    part_time_sources: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Training:
    """培训情况: sessions the centres held in the period, and everyone who completed training
    in it (at the centre or elsewhere)."""

    sessions: int = 0
    session_hours: Decimal = Decimal(0)
    topics: dict[str, int] = field(default_factory=dict)  # topic → sessions
    people_trained: int = 0
    person_hours: Decimal = Decimal(0)


@dataclass
class Complaints:
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class WorkReport:
    unit_name: str
    centres: list[str]
    period: rules.Period
    hotline_numbers: list[str]
    line_count: int
    service_hours: list[str]
    service: Service
    problems: Problems
    staff: Staff
    training: Training
    complaints: Complaints
    sign_off: WorkReportSignOff | None = None


# --- the aggregate queries -------------------------------------------------------------------


def _contacts(scope: ReportScope, start: datetime, end: datetime):
    return Contact.objects.using(report_database()).filter(
        organisation_id__in=scope.organisation_ids, started_at__gte=start, started_at__lt=end
    )


def _problem_row_filters() -> dict[str, Q]:
    """For each row of the form, a condition on the coded problems' JSON text: some code is a
    top category of that row, or a child of one (``"emotional"`` or ``"emotional.…"``). The
    JSON text of a list of codes reads the same on SQLite and PostgreSQL."""
    vocabulary = taxonomy.vocabulary()
    conditions: dict[str, Q] = {row: Q(pk__in=[]) for row in taxonomy.REPORT_ROWS}
    for top in vocabulary.top_problems():
        conditions[top.report] |= Q(problem_text__contains=f'"{top.code}"') | Q(
            problem_text__contains=f'"{top.code}.'
        )
    return conditions


def _service_aggregates() -> dict:
    """The named conditional counts of the service and problem sections over contacts."""
    counts = {
        "contacts": Count("id"),
        "phone_contacts": Count("id", filter=Q(channel=Channel.PHONE)),
        "high_crisis": Count("id", filter=Q(risk_level__in=HIGH_CRISIS_LEVELS)),
        "difficult": Count("id", filter=Q(contact_type__in=DIFFICULT_TYPES)),
        "repeated": Count(
            "id", filter=Q(contact_type=ContactType.REPEATED) | Q(person__is_repeated_caller=True)
        ),
    }
    return {**counts, **problem_aggregates()}


def problem_aggregates() -> dict:
    """Conditional counts per row of the form, and of contacts with no coded problem, over
    contacts annotated with ``problem_text`` (the codes' JSON text)."""
    counts = {"uncoded": Count("id", filter=~Q(problem_text__contains='"'))}
    for row, condition in _problem_row_filters().items():
        counts[f"problem_{row}"] = Count("id", filter=condition)
    return counts


def fill_problems(problems: Problems, item: dict) -> None:
    problems.uncoded = item["uncoded"] or 0
    for row in taxonomy.REPORT_ROWS:
        problems.rows[row] = item[f"problem_{row}"] or 0


def _fill(service: Service, problems: Problems, item: dict) -> None:
    for name in SERVICE_COUNTS:
        setattr(service, name, item[name] or 0)
    fill_problems(problems, item)


def _call_aggregates() -> dict:
    return {
        "call_events": Count("id"),
        "calls_offered": Count("id", filter=Q(kind=CallEventKind.OFFERED)),
        "calls_answered": Count("id", filter=Q(kind=CallEventKind.ANSWERED)),
        "local_calls": Count("id", filter=Q(kind=CallEventKind.OFFERED, is_local=True)),
        "non_local_calls": Count("id", filter=Q(kind=CallEventKind.OFFERED, is_local=False)),
    }


def _call_events(scope: ReportScope, start: datetime, end: datetime):
    return CallEvent.objects.using(report_database()).filter(
        organisation_id__in=scope.organisation_ids, occurred_at__gte=start, occurred_at__lt=end
    )


Figures = dict[tuple[int, date], tuple[Service, Problems]]


def daily_figures(
    organisation_ids, start: datetime, end: datetime, *, using: str, days=None
) -> Figures:
    """The service and problem figures per (centre, local day) of [start, end), from the
    contacts and the call events: two grouped queries. ``days``, a list of (centre, first day,
    last day) ranges, restricts them to those days. Days without a contact or call are absent."""
    zone = ZoneInfo(settings.TIME_ZONE)
    contacts = Contact.objects.using(using).filter(
        organisation_id__in=organisation_ids, started_at__gte=start, started_at__lt=end
    )
    calls = CallEvent.objects.using(using).filter(
        organisation_id__in=organisation_ids, occurred_at__gte=start, occurred_at__lt=end
    )
    if days is not None:
        contacts = contacts.filter(_ranges_q(days, "started_at"))
        calls = calls.filter(_ranges_q(days, "occurred_at"))
    result: Figures = {}

    def slot(item) -> tuple[Service, Problems]:
        key = (item["organisation_id"], item["day"])
        return result.setdefault(key, (Service(), Problems()))

    for item in (
        contacts.annotate(
            problem_text=Cast("problem_codes", TextField()),
            day=TruncDate("started_at", tzinfo=zone),
        )
        .order_by()
        .values("organisation_id", "day")
        .annotate(**_service_aggregates())
    ):
        service, problems = slot(item)
        _fill(service, problems, dict(item))
    for item in (
        calls.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .order_by()
        .values("organisation_id", "day")
        .annotate(**_call_aggregates())
    ):
        service, _problems = slot(item)
        counts = dict(item)
        for name in CALL_COUNTS:
            setattr(service, name, counts[name] or 0)
    return result


def _ranges_q(days, column: str) -> Q:
    condition = Q(pk__in=[])
    for organisation_id, first, last in days:
        start, end = local_bounds(first, last)
        condition |= Q(
            organisation_id=organisation_id, **{f"{column}__gte": start, f"{column}__lt": end}
        )
    return condition


# Above this many separate stretches of days to compute from the contacts, one query over the
# whole period is cheaper to plan than an OR of ranges.
MAX_LIVE_RANGES = 40


def stale_days(organisation_ids, start: datetime, end: datetime, *, using: str) -> set:
    """(centre, local day) pairs marked stale by the triggers in [start, end)."""
    from xinyuan.reports.models import StaleReportDay

    zone = ZoneInfo(settings.TIME_ZONE)
    return set(
        StaleReportDay.objects.using(using)
        .filter(organisation_id__in=organisation_ids, at__gte=start, at__lt=end)
        .annotate(day=TruncDate("at", tzinfo=zone))
        .order_by()
        .values_list("organisation_id", "day")
        .distinct()
    )


# A day's figures as one vector of counts (summing 1,096 days is then one zip per bucket).
VECTOR = (*SERVICE_COUNTS, *CALL_COUNTS, "uncoded", *taxonomy.REPORT_ROWS)
_SERVICE_END = len(SERVICE_COUNTS) + len(CALL_COUNTS)


def _vector(service: Service, problems: Problems) -> list[int]:
    return [
        *(getattr(service, name) for name in SERVICE_COUNTS + CALL_COUNTS),
        problems.uncoded,
        *(problems.rows.get(row, 0) for row in taxonomy.REPORT_ROWS),
    ]


def _from_vectors(vectors) -> tuple[Service, Problems]:
    """The sum of day vectors as the report's sections."""
    totals = [sum(column) for column in zip(*vectors, strict=True)] or [0] * len(VECTOR)
    service = Service(**dict(zip(SERVICE_COUNTS + CALL_COUNTS, totals, strict=False)))
    problems = Problems(uncoded=totals[_SERVICE_END])
    problems.rows.update(zip(taxonomy.REPORT_ROWS, totals[_SERVICE_END + 1 :], strict=True))
    return service, problems


def period_days(organisation_ids, first: date, last: date) -> dict[tuple[int, date], list[int]]:
    """The figures per (centre, day) of first…last as vectors (``VECTOR``): from the daily
    rollup where a day's row is current, from the contacts for every other day (today, days
    never rolled up or marked stale since). Two queries when the rollup covers the period,
    four otherwise — the same figures either way (tested day by day)."""
    from xinyuan.reports.models import DailyCentreStats

    db = report_database()
    organisation_ids = list(organisation_ids)
    start, end = local_bounds(first, last)
    # The marks first: a refresh that commits after this read has been read before its rows.
    # Today is never rolled up, so its marks (a busy centre's thousands) need no reading.
    today_start, _ = local_bounds(timezone.localdate(), timezone.localdate())
    stale = stale_days(organisation_ids, start, min(end, today_start), using=db)
    result: dict[tuple[int, date], list[int]] = {}
    rolled = (
        DailyCentreStats.objects.using(db)
        .filter(
            organisation_id__in=organisation_ids,
            day__gte=first,
            day__lte=min(last, timezone.localdate() - timedelta(days=1)),
            definition=ROLLUP_DEFINITION,
        )
        .order_by()
        .values_list("organisation_id", "day", *SERVICE_COUNTS, *CALL_COUNTS, "uncoded", "problems")
    )
    rows = taxonomy.REPORT_ROWS
    for org, day, *counts, problems in rolled:
        if (org, day) not in stale:
            result[(org, day)] = [*counts, *(problems.get(row, 0) for row in rows)]
    missing = rules.missing_ranges(organisation_ids, first, last, set(result))
    if missing:
        live = daily_figures(
            organisation_ids,
            start,
            end,
            using=db,
            days=missing if len(missing) <= MAX_LIVE_RANGES else None,
        )
        for key, figures in live.items():
            if key not in result:
                result[key] = _vector(*figures)
    return result


def check_rollup(organisation_ids, first: date | None = None, last: date | None = None):
    """Compare the rollup's current rows (current definition, no stale mark) of first…last
    (default: all) with the figures computed from the contacts, on the primary database.
    Returns ([(centre, day, figure, rollup, contacts)], days compared)."""
    from xinyuan.reports.models import DailyCentreStats

    rows = DailyCentreStats.objects.filter(
        organisation_id__in=organisation_ids, definition=ROLLUP_DEFINITION
    )
    if first:
        rows = rows.filter(day__gte=first)
    if last:
        rows = rows.filter(day__lte=last)
    bounds = rows.aggregate(first=Min("day"), last=Max("day"))
    if bounds["first"] is None:
        return [], 0
    start, end = local_bounds(bounds["first"], bounds["last"])
    stale = stale_days(organisation_ids, start, end, using="default")
    direct = daily_figures(organisation_ids, start, end, using="default")
    differences = []
    compared = 0
    for row in rows.order_by("organisation_id", "day"):
        key = (row.organisation_id, row.day)
        if key in stale:
            continue
        compared += 1
        got = _vector(*row_figures(row))
        want = _vector(*direct.get(key, (Service(), Problems())))
        differences += [
            (*key, name, g, w) for name, g, w in zip(VECTOR, got, want, strict=True) if g != w
        ]
    return differences, compared


def row_figures(row) -> tuple[Service, Problems]:
    service = Service(**{name: getattr(row, name) for name in SERVICE_COUNTS + CALL_COUNTS})
    problems = Problems(uncoded=row.uncoded)
    for name, n in (row.problems or {}).items():
        problems.rows[name] = n
    return service, problems


def service_and_problems(scope: ReportScope, period: rules.Period) -> tuple[Service, Problems]:
    """The work report's service and problem figures of the period: the sum of its days."""
    return _from_vectors(period_days(scope.organisation_ids, period.first, period.last).values())


def service_trend(
    scope: ReportScope, period: rules.Period, group_by: str
) -> list[tuple[rules.Period, Service, Problems]]:
    """The service and problem figures per day, ISO week or month of the period (empty buckets
    as zero): sums of its days."""
    buckets: dict[date, tuple[rules.Period, list[list[int]]]] = {
        rules.bucket_start(group_by, bucket.first): (bucket, [])
        for bucket in rules.buckets(period.first, period.last, group_by)
    }
    for (_org, day), vector in period_days(
        scope.organisation_ids, period.first, period.last
    ).items():
        buckets[rules.bucket_start(group_by, day)][1].append(vector)
    return [(bucket, *_from_vectors(vectors)) for bucket, vectors in buckets.values()]


def direct_service_and_problems(
    scope: ReportScope, period: rules.Period
) -> tuple[Service, Problems]:
    """The service and problem figures straight from the contacts and the call events (two
    queries over every row of the period): the reference the rollup is tested against."""
    start, end = local_bounds(period.first, period.last)
    service, problems = Service(), Problems()
    item = (
        _contacts(scope, start, end)
        .annotate(problem_text=Cast("problem_codes", TextField()))
        .aggregate(**_service_aggregates())
    )
    _fill(service, problems, item)
    calls = _call_events(scope, start, end).aggregate(**_call_aggregates())
    for name, value in calls.items():
        setattr(service, name, value or 0)
    return service, problems


TRUNC = {rules.DAY: TruncDay, rules.WEEK: TruncWeek, rules.MONTH: TruncMonth}


def direct_service_trend(
    scope: ReportScope, period: rules.Period, group_by: str
) -> list[tuple[rules.Period, Service, Problems]]:
    """The service and problem figures per day, ISO week or month of the period (empty buckets
    as zero) straight from the contacts and call events (two queries, grouped in the database
    by the local calendar): the reference the rollup is tested against."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start, end = local_bounds(period.first, period.last)
    trunc = TRUNC[group_by]
    result = {
        rules.bucket_start(group_by, bucket.first): (bucket, Service(), Problems())
        for bucket in rules.buckets(period.first, period.last, group_by)
    }

    def slot(value):
        day = value.astimezone(zone).date() if isinstance(value, datetime) else value
        return result[rules.bucket_start(group_by, day)]

    rows = (
        _contacts(scope, start, end)
        .annotate(
            problem_text=Cast("problem_codes", TextField()),
            bucket=trunc("started_at", tzinfo=zone),
        )
        .order_by()
        .values("bucket")
        .annotate(**_service_aggregates())
    )
    for item in rows:
        _bucket, service, problems = slot(item["bucket"])
        _fill(service, problems, item)
    calls = (
        _call_events(scope, start, end)
        .annotate(bucket=trunc("occurred_at", tzinfo=zone))
        .order_by()
        .values("bucket")
        .annotate(**_call_aggregates())
    )
    for item in calls:
        _bucket, service, _problems = slot(item["bucket"])
        for name in _call_aggregates():
            setattr(service, name, item[name] or 0)
    return list(result.values())


def staff(scope: ReportScope) -> Staff:
    """Two queries: counts by qualification and employment, and where part-timers come from."""
    people = User.objects.using(report_database()).filter(
        organisation_id__in=scope.organisation_ids,
        is_active=True,
        role__in=permissions.roles_with(permissions.HANDLE_CONTACTS),
    )
    result = Staff()
    for item in people.order_by().values("qualification", "employment").annotate(n=Count("id")):
        result.total += item["n"]
        if item["employment"] == Employment.PART_TIME:
            result.part_time += item["n"]
        else:
            result.full_time += item["n"]
        code = item["qualification"] or ""
        result.by_qualification[code] = result.by_qualification.get(code, 0) + item["n"]
    sources = (
        people.filter(employment=Employment.PART_TIME)
        .order_by()
        .values("home_institution")
        .annotate(n=Count("id"))
        .order_by("-n", "home_institution")
    )
    result.part_time_sources = [(s["home_institution"], s["n"]) for s in sources]
    if scope.is_region:
        result.part_time_sources = rules.suppress_small_groups(
            result.part_time_sources, MIN_GROUP_FOR_REGION
        )
    return result


def training(scope: ReportScope, period: rules.Period) -> Training:
    """Two queries: sessions held (per topic, with their hours), and the people who completed
    training in the period (distinct) with their hours."""
    db = report_database()
    result = Training()
    sessions = (
        TrainingSession.objects.using(db)
        .filter(
            organisation_id__in=scope.organisation_ids,
            held_on__gte=period.first,
            held_on__lte=period.last,
        )
        .order_by()
        .values("topic")
        .annotate(n=Count("id"), hours=Sum("hours"))
    )
    for item in sessions:
        result.sessions += item["n"]
        result.session_hours += item["hours"] or 0
        result.topics[item["topic"]] = item["n"]
    people = TrainingRecord.objects.using(db).filter(
        organisation_id__in=scope.organisation_ids,
        completed_on__gte=period.first,
        completed_on__lte=period.last,
    )
    totals = people.aggregate(people=Count("user_id", distinct=True), hours=Sum("hours"))
    result.people_trained = totals["people"] or 0
    result.person_hours = totals["hours"] or Decimal(0)
    return result


def complaints(scope: ReportScope, period: rules.Period) -> Complaints:
    """One query: complaints, suggestions and praise received in the period, by kind and by
    where their handling stands now."""
    start, end = local_bounds(period.first, period.last)
    result = Complaints()
    rows = (
        Complaint.objects.using(report_database())
        .filter(
            organisation_id__in=scope.organisation_ids,
            received_at__gte=start,
            received_at__lt=end,
        )
        .order_by()
        .values("kind", "status")
        .annotate(n=Count("id"))
    )
    for item in rows:
        result.total += item["n"]
        result.by_kind[item["kind"]] = result.by_kind.get(item["kind"], 0) + item["n"]
        result.by_status[item["status"]] = result.by_status.get(item["status"], 0) + item["n"]
    return result


def sign_off_for(scope: ReportScope, period: rules.Period) -> WorkReportSignOff | None:
    if scope.single is None:
        return None
    return (
        WorkReportSignOff.objects.using(report_database())
        .select_related("signed_by")
        .filter(organisation=scope.single, first_day=period.first, last_day=period.last)
        .first()
    )


def service_hours(scope: ReportScope) -> list[str]:
    """Each centre's promised hours: from its service hours (the rota's windows) in words when
    it has set them, else the opening-hours text of its profile. One query."""
    windows: dict[int, list[operations_rules.Window]] = {}
    for w in ServiceWindow.objects.using(report_database()).filter(
        organisation__in=scope.organisations
    ):
        windows.setdefault(w.organisation_id, []).append(
            operations_rules.Window(w.weekday, w.starts_at, w.ends_at, w.min_seats)
        )
    names = [str(label) for _value, label in Weekday.choices]
    described = [
        operations_rules.describe_service_hours(windows[org.pk], names, gettext("Every day"))
        if org.pk in windows
        else org.hotline_hours
        for org in scope.organisations
    ]
    return list(dict.fromkeys(text for text in described if text))


def work_report(scope: ReportScope, period: rules.Period) -> WorkReport:
    """The whole work report of the scope's centres for the period: nine queries at most."""
    service, problems = service_and_problems(scope, period)
    orgs = scope.organisations
    return WorkReport(
        unit_name=scope.unit_name,
        centres=[org.name for org in orgs],
        period=period,
        hotline_numbers=[org.hotline_number for org in orgs if org.hotline_number],
        line_count=sum(org.line_count for org in orgs),
        service_hours=service_hours(scope),
        service=service,
        problems=problems,
        staff=staff(scope),
        training=training(scope, period),
        complaints=complaints(scope, period),
        sign_off=sign_off_for(scope, period),
    )


# --- labels ----------------------------------------------------------------------------------


def problem_labels() -> dict[str, str]:
    vocabulary = taxonomy.vocabulary()
    labels = {c.report: c.label for c in vocabulary.top_problems() if c.code == c.report}
    from django.utils.translation import gettext as _

    labels.setdefault("other", _("Other"))
    return labels


def qualification_labels() -> dict[str, str]:
    from django.utils.translation import pgettext

    return {**{k: str(v) for k, v in Qualification.choices}, "": pgettext("report", "Not recorded")}


def topic_labels() -> dict[str, str]:
    return {k: str(v) for k, v in TrainingTopic.choices}


def complaint_labels() -> tuple[dict[str, str], dict[str, str]]:
    return (
        {k: str(v) for k, v in ComplaintKind.choices},
        {k: str(v) for k, v in ComplaintStatus.choices},
    )


# --- the report page's breakdowns --------------------------------------------------------------


@dataclass
class Breakdowns:
    """Counts of contacts of the period by one attribute each: (code, label, count) rows in the
    choice order, with a row for an empty value only when it has contacts."""

    by_type: list[tuple[str, str, int]]
    by_channel: list[tuple[str, str, int]]
    by_risk: list[tuple[str, str, int]]
    by_age_group: list[tuple[str, str, int]]
    by_gender: list[tuple[str, str, int]]
    by_work_status: list[tuple[str, str, int]]
    by_outcome: list[tuple[str, str, int]]
    by_hour: list[int]  # 24 counts, local hour of the start
    by_area: list[tuple[str, int]]  # calls offered by the caller's area (the switch's)
    by_counsellor: list[tuple[str, int]] | None  # None: hidden from this scope
    emergency_calls: list[tuple[str, str, int]]
    follow_up: FollowUpTimeliness


@dataclass
class FollowUpTimeliness:
    """High- or imminent-risk contacts of the period and their follow-up within the promised
    hours (``FOLLOW_UP_WITHIN_HOURS``, 24) of the contact's start."""

    high_risk: int = 0
    booked: int = 0
    done_in_time: int = 0
    hours: int = 24

    @property
    def in_time_rate(self) -> float | None:
        return rules.rate(self.done_in_time, self.high_risk)


def _by(qs, name: str, choices, empty_label: str) -> list[tuple[str, str, int]]:
    counts = {
        item[name] or "": item["n"] for item in qs.order_by().values(name).annotate(n=Count("id"))
    }
    rows = [(code, str(label), counts.pop(code, 0)) for code, label in choices]
    for code, n in counts.items():  # a value no longer offered, or none
        rows.append((code, empty_label if not code else code, n))
    return rows


def breakdowns(scope: ReportScope, period: rules.Period) -> Breakdowns:
    """Eleven (ten without counsellors) grouped queries, whatever the number of contacts."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    zone = ZoneInfo(settings.TIME_ZONE)
    start, end = local_bounds(period.first, period.last)
    contacts = _contacts(scope, start, end)
    none = pgettext("report", "Not recorded")
    hours = [0] * 24
    for item in (
        contacts.annotate(hour=ExtractHour("started_at", tzinfo=zone))
        .order_by()
        .values("hour")
        .annotate(n=Count("id"))
    ):
        hours[item["hour"]] = item["n"]
    areas = (
        _call_events(scope, start, end)
        .filter(kind=CallEventKind.OFFERED)
        .order_by()
        .values("caller_area")
        .annotate(n=Count("id"))
        .order_by("-n", "caller_area")
    )
    by_counsellor = None
    if scope.can_see_counsellors:
        by_counsellor = [
            (item["counsellor__alias"] or item["counsellor__username"], item["n"])
            for item in contacts.order_by()
            .values("counsellor_id", "counsellor__alias", "counsellor__username")
            .annotate(n=Count("id"))
            .order_by("-n", "counsellor__alias")
        ]
    within = settings.FOLLOW_UP_WITHIN_HOURS
    live = [status for status in FollowUpStatus.values if status != FollowUpStatus.CANCELLED]
    follow = (
        contacts.filter(risk_level__in=HIGH_CRISIS_LEVELS)
        .order_by()
        .aggregate(
            high=Count("id", distinct=True),
            booked=Count("id", distinct=True, filter=Q(follow_ups__status__in=live)),
            in_time=Count(
                "id",
                distinct=True,
                filter=Q(
                    follow_ups__status__in=live,
                    follow_ups__done_at__lte=F("started_at") + timedelta(hours=within),
                ),
            ),
        )
    )
    emergency = EmergencyCall.objects.using(report_database()).filter(
        contact__organisation_id__in=scope.organisation_ids,
        called_at__gte=start,
        called_at__lt=end,
    )
    return Breakdowns(
        by_type=_by(contacts, "contact_type", ContactType.choices, none),
        by_channel=_by(contacts, "channel", Channel.choices, none),
        by_risk=_by(contacts, "risk_level", RiskLevel.choices, _("Not assessed")),
        by_age_group=_by(contacts, "caller_age_group", AgeGroup.choices, none),
        by_gender=_by(contacts, "caller_gender", Gender.choices, none),
        by_work_status=_by(contacts, "caller_work_status", WorkStatus.choices, none),
        by_outcome=_by(contacts, "outcome", Outcome.choices, _("Not closed yet")),
        by_hour=hours,
        by_area=[(item["caller_area"] or none, item["n"]) for item in areas],
        by_counsellor=by_counsellor,
        emergency_calls=_by(emergency, "service", EmergencyService.choices, none),
        follow_up=FollowUpTimeliness(
            high_risk=follow["high"] or 0,
            booked=follow["booked"] or 0,
            done_in_time=follow["in_time"] or 0,
            hours=within,
        ),
    )


def referral_count(rows: list[tuple[str, str, int]]) -> int:
    return sum(n for code, _label, n in rows if code in REFERRAL_OUTCOMES)
