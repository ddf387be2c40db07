"""``/api/v1/reports/summary``: the work report's figures as JSON, per day, week or month of a
period and in total. Scoped as the pages: a director their centre, a health-commission officer
the region's centres aggregated (no counsellor, no person); anyone else 403."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from xinyuan.hotline import taxonomy
from xinyuan.reports import rules
from xinyuan.reports.access import access_reports
from xinyuan.reports.selectors import work_report as selectors

reports_router = Router(tags=["reports"])


class ServiceOut(Schema):
    contacts: int = Field(description="Contacts recorded in the period, all channels.")
    phone_contacts: int
    calls_offered: int = Field(description="Calls the telephone switch reported as offered.")
    calls_answered: int = Field(description="Calls the switch reported as answered.")
    calls_handled: int = Field(
        description="Calls answered; the phone contacts recorded when the switch reported none."
    )
    answer_rate: float | None = Field(
        description="Percent answered of offered (one decimal); null when the switch reported "
        "no call (unknown, not 100 %)."
    )
    local_calls: int
    non_local_calls: int
    high_crisis: int = Field(description="Contacts whose risk level is high or imminent.")
    difficult: int = Field(
        description="Silent, sexual-harassment and mental-disorder contacts (docs/reports.md)."
    )
    repeated: int = Field(
        description="Contacts typed repeated caller, or of a person marked a repeated caller."
    )


class ProblemsOut(Schema):
    rows: dict[str, int] = Field(
        description="Contacts per row of the form: " + ", ".join(taxonomy.REPORT_ROWS)
    )
    uncoded: int


class BucketOut(Schema):
    first_day: date
    last_day: date
    service: ServiceOut
    problems: ProblemsOut


class StaffOut(Schema):
    total: int
    full_time: int
    part_time: int
    by_qualification: dict[str, int] = Field(description='"" for not recorded')
    part_time_sources: dict[str, int]


class TrainingOut(Schema):
    sessions: int
    session_hours: float
    topics: dict[str, int]
    people_trained: int
    person_hours: float


class ComplaintsOut(Schema):
    total: int
    by_kind: dict[str, int]
    by_status: dict[str, int]


class TotalOut(BucketOut):
    staff: StaffOut
    training: TrainingOut
    complaints: ComplaintsOut


class SummaryOut(Schema):
    unit: str = Field(description="The centre, or the region for a health-commission officer.")
    centres: list[str]
    group_by: str
    buckets: list[BucketOut]
    total: TotalOut


class ProblemOut(Schema):
    detail: list[dict]


class DeniedOut(Schema):
    detail: str


def _service(s: selectors.Service) -> dict:
    return {
        "contacts": s.contacts,
        "phone_contacts": s.phone_contacts,
        "calls_offered": s.calls_offered,
        "calls_answered": s.calls_answered,
        "calls_handled": s.calls_handled,
        "answer_rate": s.answer_rate,
        "local_calls": s.local_calls,
        "non_local_calls": s.non_local_calls,
        "high_crisis": s.high_crisis,
        "difficult": s.difficult,
        "repeated": s.repeated,
    }


def _problems(p: selectors.Problems) -> dict:
    return {"rows": dict(p.rows), "uncoded": p.uncoded}


def summary_payload(scope, period: rules.Period, group_by: str) -> dict:
    report = selectors.work_report(scope, period)
    trend = selectors.service_trend(scope, period, group_by)
    st, tr, co = report.staff, report.training, report.complaints
    return {
        "unit": report.unit_name,
        "centres": report.centres,
        "group_by": group_by,
        "buckets": [
            {
                "first_day": bucket.first,
                "last_day": bucket.last,
                "service": _service(service),
                "problems": _problems(problems),
            }
            for bucket, service, problems in trend
        ],
        "total": {
            "first_day": period.first,
            "last_day": period.last,
            "service": _service(report.service),
            "problems": _problems(report.problems),
            "staff": {
                "total": st.total,
                "full_time": st.full_time,
                "part_time": st.part_time,
                "by_qualification": st.by_qualification,
                "part_time_sources": dict(st.part_time_sources),
            },
            "training": {
                "sessions": tr.sessions,
                "session_hours": float(tr.session_hours),
                "topics": tr.topics,
                "people_trained": tr.people_trained,
                "person_hours": float(tr.person_hours),
            },
            "complaints": {
                "total": co.total,
                "by_kind": co.by_kind,
                "by_status": co.by_status,
            },
        },
    }


@reports_router.get(
    "/summary",
    response={200: SummaryOut, 403: DeniedOut, 422: ProblemOut},
    summary="The work report's figures for a period, per day, week or month and in total",
)
def summary(
    request,
    date_from: date = Query(..., alias="from"),  # noqa: B008 - ninja's declaration
    date_to: date = Query(..., alias="to"),  # noqa: B008
    group_by: Literal["day", "week", "month"] = "month",
):
    """Figures of the days ``from`` … ``to`` (both included, Asia/Shanghai calendar days, at
    most three years): the service and problem figures per bucket (ISO weeks; the first and
    last bucket clipped to the period) and in total, with staff (now), training and complaints
    in total. The same figures as the work report page and its Excel and PDF files."""
    scope = access_reports(request.user)
    for name, day in (("from", date_from), ("to", date_to)):
        if not 2000 <= day.year <= 2100:
            raise ValidationError({name: [_("Choose a date between 2000 and 2100.")]})
    try:
        period = rules.period_for(rules.CUSTOM, date_from, date_to)
    except rules.PeriodError as exc:
        message = (
            _("The start date must not be after the end date.")
            if date_to < date_from
            else _("Choose a period of at most three years.")
        )
        raise ValidationError({"to": [message]}) from exc
    return summary_payload(scope, period, group_by)
