"""Aggregated statistics (reads only): counts per centre, never a person's record.

A director sees their own centre; a health-commission officer every centre of their region.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy

from xinyuan.accounts.models import Organisation
from xinyuan.cases.models import FollowUp, FollowUpStatus
from xinyuan.core import permissions
from xinyuan.hotline.models import Contact, ContactType, Outcome, RiskLevel
from xinyuan.reports.replica import report_database

HIGH_LEVELS = (RiskLevel.HIGH, RiskLevel.IMMINENT)


def organisations_for_statistics(user) -> QuerySet[Organisation]:
    if not permissions.has_perm(user, permissions.VIEW_STATISTICS):
        return Organisation.objects.none()
    orgs = Organisation.objects.using(report_database())
    if permissions.has_perm(user, permissions.VIEW_REGION_STATISTICS):
        return orgs.filter(region_id=user.region_id)
    return orgs.filter(pk=user.organisation_id)


@dataclass
class CentreRow:
    name: str
    contacts: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    high_risk: int = 0
    # Closed by the sweep after hours without activity: counted apart, never as handled.
    not_completed: int = 0
    follow_ups_due: int = 0
    follow_ups_on_time: int = 0
    follow_ups_overdue: int = 0

    @property
    def on_time_percent(self) -> int | None:
        if not self.follow_ups_due:
            return None
        return round(100 * self.follow_ups_on_time / self.follow_ups_due)


REPORT_OTHER_LABEL = gettext_lazy("Other")


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def centre_statistics(user, date_from: date, date_to: date) -> list[CentreRow]:
    """One row per centre in the actor's scope, plus a total row when there are several.

    Contacts count by start time within [date_from, date_to]; follow-ups by due time, and only
    those already due: one due later is neither on time nor late yet. A follow-up is on time
    when done by its due time; overdue when still open past it.
    """
    orgs = list(organisations_for_statistics(user).order_by("name"))
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    rows = {org.pk: CentreRow(name=org.name) for org in orgs}
    contacts = (
        Contact.objects.using(report_database())
        .filter(organisation__in=orgs, started_at__gte=start, started_at__lt=end)
        .values("organisation_id", "contact_type")
        .annotate(
            n=Count("id"),
            high=Count("id", filter=Q(risk_level__in=HIGH_LEVELS)),
            unfinished=Count("id", filter=Q(outcome=Outcome.NOT_COMPLETED)),
        )
    )
    for item in contacts:
        row = rows[item["organisation_id"]]
        row.contacts += item["n"]
        row.high_risk += item["high"]
        row.not_completed += item["unfinished"]
        key = item["contact_type"] or ""
        row.by_type[key] = row.by_type.get(key, 0) + item["n"]
    now = timezone.now()
    follow_ups = (
        FollowUp.objects.using(report_database())
        .filter(organisation__in=orgs, due_at__gte=start, due_at__lt=min(end, now))
        .exclude(status=FollowUpStatus.CANCELLED)
        .values("organisation_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(done_at__isnull=False, done_at__lte=F("due_at"))),
            overdue=Count("id", filter=Q(done_at__isnull=True)),
        )
    )
    for fu in follow_ups:
        row = rows[fu["organisation_id"]]
        row.follow_ups_due = fu["due"]
        row.follow_ups_on_time = fu["on_time"]
        row.follow_ups_overdue = fu["overdue"]
    result = list(rows.values())
    if len(result) > 1:
        total = CentreRow(name="")
        for row in result:
            total.contacts += row.contacts
            total.high_risk += row.high_risk
            total.not_completed += row.not_completed
            total.follow_ups_due += row.follow_ups_due
            total.follow_ups_on_time += row.follow_ups_on_time
            total.follow_ups_overdue += row.follow_ups_overdue
            for key, n in row.by_type.items():
                total.by_type[key] = total.by_type.get(key, 0) + n
        result.append(total)
    return result


def type_columns() -> list[tuple[str, str]]:
    """(code, label) of the contact types, and "" for contacts not yet given a type."""
    from django.utils.translation import gettext as _

    return [(value, str(label)) for value, label in ContactType.choices] + [("", _("No type yet"))]


def self_test_statistics(user, date_from: date, date_to: date) -> list[dict]:
    """Self-test results in the period (AS-02, AS-04), anonymous ones included: per scale, a
    row per centre with the count in each band and how many were serious (a critical item or
    the most severe band). Counts only."""
    from xinyuan.assessments import registry
    from xinyuan.assessments.models import SelfAssessment

    orgs = list(organisations_for_statistics(user).order_by("name"))
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    counts = (
        SelfAssessment.objects.using(report_database())
        .filter(organisation__in=orgs, created_at__gte=start, created_at__lt=end)
        .values("scale", "organisation_id", "band")
        .annotate(
            n=Count("id"),
            serious=Count("id", filter=Q(most_severe=True) | ~Q(flags=[])),
        )
    )
    by_scale: dict[str, dict[int, dict]] = {}
    for item in counts:
        per_org = by_scale.setdefault(item["scale"], {})
        cell = per_org.setdefault(item["organisation_id"], {"bands": {}, "serious": 0})
        cell["bands"][item["band"]] = item["n"]
        cell["serious"] += item["serious"]
    tables = []
    for code, per_org in sorted(by_scale.items()):
        compiled = registry.get(code)
        if compiled is None:
            continue
        bands = compiled.scale.bands
        rows = []
        for org in orgs:
            cell = per_org.get(org.pk, {"bands": {}, "serious": 0})
            values = [cell["bands"].get(b.code, 0) for b in bands]
            rows.append({"name": org.name, "bands": values, "total": sum(values),
                         "serious": cell["serious"]})  # fmt: skip
        if len(rows) > 1:  # all centres of the region, as in the contact table
            rows.append(
                {
                    "name": "",
                    "bands": [sum(r["bands"][i] for r in rows) for i in range(len(bands))],
                    "total": sum(r["total"] for r in rows),
                    "serious": sum(r["serious"] for r in rows),
                }
            )
        tables.append({"scale": compiled.scale, "bands": bands, "rows": rows})
    return tables


def problem_statistics(user, date_from: date, date_to: date) -> dict:
    """Contacts of the period by problem category, in the rows of the official hotline work
    report form (hotline/taxonomy: a top category names its row). A contact with several
    problems of one row counts once in it; one with problems of several rows counts in each.
    Also how many contacts carry no coded problem (recorded before coding, or not coded), and
    contacts per intervention used. One aggregate query (conditional counts on the codes' JSON
    text), whatever the number of contacts."""
    from xinyuan.hotline import taxonomy
    from xinyuan.reports.selectors.work_report import (
        Problems,
        fill_problems,
        problem_aggregates,
    )

    vocabulary = taxonomy.vocabulary()
    orgs = organisations_for_statistics(user)
    start, end = _start(date_from), _start(date_to + timedelta(days=1))
    aggregates = problem_aggregates()
    for c in vocabulary.interventions:
        aggregates[f"intervention_{c.code}"] = Count(
            "id", filter=Q(intervention_text__contains=f'"{c.code}"')
        )
    item = (
        Contact.objects.using(report_database())
        .filter(organisation__in=orgs, started_at__gte=start, started_at__lt=end)
        .annotate(
            problem_text=Cast("problem_codes", TextField()),
            intervention_text=Cast("intervention_codes", TextField()),
        )
        .aggregate(**aggregates)
    )
    problems = Problems()
    fill_problems(problems, item)
    labels = {c.report: c.label for c in vocabulary.top_problems() if c.code == c.report}
    labels.setdefault("other", str(REPORT_OTHER_LABEL))
    return {
        "rows": [(labels.get(row, row), problems.rows[row]) for row in taxonomy.REPORT_ROWS],
        "uncoded": problems.uncoded,
        # Interventions used, contacts per intervention (a contact counts once per code).
        "interventions": [
            (c.label, item[f"intervention_{c.code}"] or 0) for c in vocabulary.interventions
        ],
        "version": vocabulary.version,
    }
