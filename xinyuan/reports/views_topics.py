"""The hot-topics page (RP-03, HL-14); kept apart from views.py, which the work report shares."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.reports import topics
from xinyuan.reports.forms import PeriodForm


@require_GET
@require_perm(permissions.VIEW_STATISTICS)
def topics_overview(request):
    """Problem categories and key terms that rose most against the previous period."""
    form = PeriodForm(request.GET or None, initial=PeriodForm.default_period())
    period = PeriodForm.default_period()
    if form.is_bound and form.is_valid():
        period = form.cleaned_data
    return render(
        request,
        "reports/topics.html",
        {
            "form": form,
            "hot": topics.hot_topics(request.user, period["date_from"], period["date_to"]),
            "region": request.user.region,
            "min_contacts": topics.MIN_CONTACTS,
            "smoothing": topics.SMOOTHING,
            "max_contacts": topics.MAX_CONTACTS,
        },
        status=422 if form.is_bound and form.errors else 200,
    )
