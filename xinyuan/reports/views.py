from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.reports import selectors
from xinyuan.reports.board import live_board, may_see_board
from xinyuan.reports.forms import PeriodForm


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
