"""The reports app's writes: the director signs the work report of a period; the daily rollup
of the report's figures is refreshed (a cache of figures computed from the contacts, decision
0017: not a record, so not audited per row — the command that rebuilds it is)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts.models import Organisation
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.reports import rules
from xinyuan.reports.models import DailyCentreStats, StaleReportDay, WorkReportSignOff
from xinyuan.reports.rules import Period


@transaction.atomic
def do_sign_off_work_report(*, actor, period: Period) -> WorkReportSignOff:
    """Record that the centre's director confirmed the figures of ``period`` (audited). A
    period is signed once; signing a period that has not ended yet is refused."""
    if not permissions.has_perm(actor, permissions.SIGN_OFF_WORK_REPORT):
        raise PermissionDenied
    # One sign-off at a time per centre (a double click waits here, then finds the first).
    Organisation.objects.select_for_update().filter(pk=actor.organisation_id).first()
    if period.last >= timezone.localdate():
        raise ValidationError(_("A period can be signed off only after it has ended."))
    if WorkReportSignOff.objects.filter(
        organisation_id=actor.organisation_id, first_day=period.first, last_day=period.last
    ).exists():
        raise ValidationError(_("This work report has already been signed off."))
    from xinyuan.reports import exports
    from xinyuan.reports.access import access_reports
    from xinyuan.reports.replica import on_primary
    from xinyuan.reports.selectors.work_report import work_report

    # What is signed is frozen: the figures as the form prints them, from the primary.
    with on_primary():
        figures = exports.signed_figures(work_report(access_reports(actor), period))
    digest = exports.figures_digest(figures)
    sign_off = WorkReportSignOff.objects.create(
        organisation_id=actor.organisation_id,
        period_kind=period.kind,
        first_day=period.first,
        last_day=period.last,
        signed_by=actor,
        signed_at=timezone.now(),
        figures=figures,
        figures_sha256=digest,
    )
    record(
        actor=actor,
        action="sign_off",
        target=sign_off,
        changes={
            "period": period.label,
            "from": period.first,
            "to": period.last,
            "figures_sha256": digest,
        },
    )
    return sign_off


# A refresh computes at most this many days of one centre at a time (one month's query).
REFRESH_CHUNK_DAYS = 31


def do_refresh_report_rollup(organisation_ids, first: date, last: date) -> int:
    """Compute the rollup rows of the centres for first…last (days before today only; today is
    always computed from the contacts) from the contacts and the call events, and clear the
    days' stale marks. Returns the number of rows written. One transaction per chunk of days.

    Safe against concurrent writes without stopping them: the day's rows are locked (two
    refreshes of a day run one after the other), then the marks are deleted, *then* the figures
    are read — so a write committed before the marks' deletion is in the figures, and a write
    committed after it left a mark that keeps the day stale (computed from the contacts) until
    the next refresh."""
    last = min(last, timezone.localdate() - timedelta(days=1))
    written = 0
    for organisation_id in organisation_ids:
        chunk_first = first
        while chunk_first <= last:
            chunk_last = min(last, chunk_first + timedelta(days=REFRESH_CHUNK_DAYS - 1))
            written += _refresh_chunk(organisation_id, chunk_first, chunk_last)
            chunk_first = chunk_last + timedelta(days=1)
    return written


@transaction.atomic
def _refresh_chunk(organisation_id: int, first: date, last: date) -> int:
    from xinyuan.reports.selectors.work_report import (
        CALL_COUNTS,
        ROLLUP_DEFINITION,
        SERVICE_COUNTS,
        Problems,
        Service,
        daily_figures,
        local_bounds,
    )

    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    DailyCentreStats.objects.bulk_create(
        [DailyCentreStats(organisation_id=organisation_id, day=day) for day in days],
        ignore_conflicts=True,
    )
    rows = {
        row.day: row
        for row in DailyCentreStats.objects.select_for_update().filter(
            organisation_id=organisation_id, day__gte=first, day__lte=last
        )
    }
    start, end = local_bounds(first, last)
    StaleReportDay.objects.filter(
        organisation_id=organisation_id, at__gte=start, at__lt=end
    ).delete()
    figures = daily_figures([organisation_id], start, end, using="default")
    computed_at = timezone.now()
    for day, row in rows.items():
        service, problems = figures.get((organisation_id, day), (Service(), Problems()))
        for name in SERVICE_COUNTS + CALL_COUNTS:
            setattr(row, name, getattr(service, name))
        row.uncoded = problems.uncoded
        row.problems = {name: n for name, n in problems.rows.items() if n}
        row.definition = ROLLUP_DEFINITION
        row.computed_at = computed_at
    DailyCentreStats.objects.bulk_update(
        rows.values(),
        [*SERVICE_COUNTS, *CALL_COUNTS, "uncoded", "problems", "definition", "computed_at"],
    )
    return len(rows)


def outstanding_days(*, today: date | None = None) -> list[tuple[int, date, date]]:
    """What the rollup lacks, newest first, as (centre, first day, last day) stretches: days
    of the last three years before today with no current row, and days of any time before
    today with a stale mark."""
    from xinyuan.reports.selectors.work_report import ROLLUP_DEFINITION, local_bounds, stale_days

    today = today or timezone.localdate()
    last = today - timedelta(days=1)
    first = today - timedelta(days=rules.MAX_DAYS)
    organisation_ids = list(Organisation.objects.values_list("pk", flat=True))
    since_ever, end = local_bounds(date(1900, 1, 1), last)
    stale = stale_days(organisation_ids, since_ever, end, using="default")
    current = set(
        DailyCentreStats.objects.filter(
            day__gte=first, day__lte=last, definition=ROLLUP_DEFINITION
        ).values_list("organisation_id", "day")
    )
    ranges = rules.missing_ranges(organisation_ids, first, last, current - stale)
    ranges += [(org, day, day) for org, day in stale if day < first]
    return sorted(ranges, key=lambda r: r[2], reverse=True)


def do_refresh_outstanding(*, max_days: int | None = None) -> tuple[int, int]:
    """Refresh the outstanding days, newest first, at most ``max_days`` of them (all when
    None); returns (rows written, days still outstanding)."""
    ranges = outstanding_days()
    written = 0
    left = 0
    for organisation_id, first, last in ranges:
        count = (last - first).days + 1
        if max_days is not None and written + count > max_days:
            take = max(0, max_days - written)
            left += count - take
            if not take:
                continue
            first = last - timedelta(days=take - 1)
        written += do_refresh_report_rollup([organisation_id], first, last)
    return written, left
