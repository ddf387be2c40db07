from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.reports import selectors
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
