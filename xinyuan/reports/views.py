from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinyuan.audit.actions import do_record_export
from xinyuan.core import permissions
from xinyuan.core.downloads import attachment
from xinyuan.core.views_helpers import error_messages, require_perm
from xinyuan.reports import exports, selectors
from xinyuan.reports.access import access_reports
from xinyuan.reports.actions import do_sign_off_work_report
from xinyuan.reports.board import live_board, may_see_board
from xinyuan.reports.forms import PeriodForm, period_from
from xinyuan.reports.selectors import work_report as report_selectors


@require_GET
@require_perm(permissions.VIEW_STATISTICS)
def statistics(request):
    """Counts per centre for a period: contacts by type, high risk, follow-up timeliness."""
    form = PeriodForm(request.GET or None, initial=PeriodForm.default_period())
    period = PeriodForm.default_period()
    if form.is_bound and form.is_valid():
        period = form.cleaned_data
    rows = selectors.centre_statistics(request.user, period["date_from"], period["date_to"])
    types = selectors.type_columns()
    table = [(row, [row.by_type.get(code, 0) for code, _label in types]) for row in rows]
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "period": period,
            "table": table,
            "types": types,
            "region": request.user.region,
            "problems": selectors.problem_statistics(
                request.user, period["date_from"], period["date_to"]
            ),
            "self_tests": selectors.self_test_statistics(
                request.user, period["date_from"], period["date_to"]
            ),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


def _chart(name: str, rows, rotate: int = 0) -> dict:
    return {
        "name": name,
        "labels": [label for label, _n in rows],
        "values": [n for _label, n in rows],
        "rotate": rotate,
    }


@require_GET
@require_perm(permissions.VIEW_STATISTICS)
def report(request):
    """The reports page: the period's figures by type, channel, risk, problem, population,
    area, counsellor (the director only) and hour, outcomes and referrals, follow-up
    timeliness, complaints; charts of type and hour. Counts only, never a record."""
    scope = access_reports(request.user)
    form, period = period_from(request.GET)
    work = report_selectors.work_report(scope, period)
    parts = report_selectors.breakdowns(scope, period)
    hours = [(f"{h:02d}", n) for h, n in enumerate(parts.by_hour)]
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "scope": scope,
            "period": period,
            "work": work,
            "tables": exports.tables(work),
            "parts": parts,
            "hours": hours,
            "referrals": report_selectors.referral_count(parts.by_outcome),
            "complaints": exports.complaint_rows(work),
            "definitions": exports.definitions(),
            "type_chart": _chart(
                _("Contacts"), [(label, n) for _c, label, n in parts.by_type], rotate=30
            ),
            "hour_chart": _chart(_("Contacts"), hours),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@require_GET
@require_perm(permissions.VIEW_STATISTICS)
def work_report(request):
    """The official work report (心理援助热线工作报表) of a period, to download or sign."""
    scope = access_reports(request.user)
    form, period = period_from(request.GET, previous=True)
    work = report_selectors.work_report(scope, period)
    query = request.GET.urlencode() if form.is_bound and not form.errors else ""
    return render(
        request,
        "reports/work_report.html",
        {
            "form": form,
            "scope": scope,
            "period": period,
            "work": work,
            "tables": exports.tables(work),
            "complaints": exports.complaint_rows(work),
            "changed_since_sign_off": exports.changes_since_sign_off(work),
            "definitions": exports.definitions(),
            "query": query,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


def _download(request, extension: str, content_type: str, build) -> HttpResponse:
    scope = access_reports(request.user)
    form, period = period_from(request.GET, previous=True)
    if form.is_bound and form.errors:
        return redirect(reverse("reports:work-report") + "?" + request.GET.urlencode())
    work = report_selectors.work_report(scope, period)
    content = build(work)
    do_record_export(
        actor=request.user,
        what=f"work_report_{extension}",
        count=len(scope.organisations),
        filters={
            "period": period.kind,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "centres": [str(org.public_id) for org in scope.organisations],
        },
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = attachment(exports.filename(work, extension))
    return response


@require_GET
@require_perm(permissions.VIEW_STATISTICS)
def work_report_xlsx(request):
    return _download(
        request,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.xlsx_bytes,
    )


@require_GET
@require_perm(permissions.VIEW_STATISTICS)
def work_report_pdf(request):
    return _download(request, "pdf", "application/pdf", exports.pdf_bytes)


@require_POST
@require_perm(permissions.SIGN_OFF_WORK_REPORT)
def work_report_sign_off(request):
    """The director confirms the figures of a period that has ended (audited)."""
    from django.contrib import messages

    form, period = period_from(request.POST, previous=True)
    back = (
        reverse("reports:work-report")
        + "?"
        + (f"period={period.kind}&day={period.first.isoformat()}&until={period.last.isoformat()}")
    )
    if not form.is_bound or form.errors:
        messages.error(
            request, " ".join(str(e) for e in form.non_field_errors()) or _("Check the period.")
        )
        return redirect(back)
    try:
        do_sign_off_work_report(actor=request.user, period=period)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("The work report is signed off."))
    return redirect(back)


@require_GET
@require_perm(permissions.VIEW_LIVE_BOARD)
def board(request):
    """The centre's live board (值班看板); its part below the title polls ``board_panel``."""
    if not may_see_board(request.user):
        raise PermissionDenied
    return render(request, "reports/board.html", {"board": live_board(request.user)})


@require_GET
@require_perm(permissions.VIEW_LIVE_BOARD)
def board_panel(request):
    """The board's numbers and lists, polled every ``POLL_SECONDS`` by the page (no reload)."""
    if not may_see_board(request.user):
        raise PermissionDenied
    # Rendered without the page's context processors: the part needs none of them (and the
    # centre's row they read would cost a statement on every poll).
    html = render_to_string("reports/partials/_board.html", {"board": live_board(request.user)})
    return HttpResponse(html)
