"""Load and burn-out signals (OP-02): each person's week against the centre's limits, and the
director's page that sets those limits."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.operations import rules, selectors
from xinyuan.operations.access import decide_workload
from xinyuan.operations.actions.workload import LIMIT_FIELDS, do_set_workload_limits

# What the red badge says for each limit exceeded.
OVER_LABELS = {
    rules.OVER_HOURS: gettext_lazy("Too many hours"),
    rules.OVER_NIGHTS: gettext_lazy("Too many night shifts"),
    rules.OVER_REST: gettext_lazy("Too little rest"),
    rules.OVER_HIGH_RISK: gettext_lazy("Too many high-risk contacts"),
}


def _week_asked(request) -> tuple[date, str]:
    """The Monday of the week asked for (``?week=YYYY-MM-DD``, any day of it), or of this week
    with a message saying why when the date cannot be read."""
    today = timezone.localdate()
    raw = request.GET.get("week", "").strip()
    if not raw:
        return rules.week_start_of(today), ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return rules.week_start_of(today), _(
            "“%(value)s” is not a date; showing this week instead."
        ) % {"value": raw[:20]}
    return rules.week_start_of(day), ""


@require_GET
@require_perm(permissions.VIEW_STAFF_WORKLOAD, permissions.VIEW_OWN_WORKLOAD)
def workload(request):
    """The centre's counsellors and supervisors this week, those over a limit first (for
    supervisors and directors); one's own week for whoever sees only their own."""
    week_start, problem = _week_asked(request)
    access = decide_workload(request.user)
    data = selectors.workload_for(request.user, week_start)
    this_week = rules.week_start_of(timezone.localdate())
    rows = [{"row": row, "badges": [OVER_LABELS[name] for name in row.over]} for row in data.rows]
    own = next((r for r in rows if r["row"].user.pk == request.user.pk), None)
    return render(
        request,
        "operations/workload.html",
        {
            "data": data,
            "rows": rows,
            "own": own,
            "access": access,
            "problem": problem,
            "week_end": week_start + timedelta(days=6),
            "previous_week": week_start - timedelta(days=7),
            "next_week": week_start + timedelta(days=7),
            "this_week": this_week,
            "is_this_week": week_start == this_week,
            "over_count": sum(1 for r in data.rows if r.over),
        },
        status=422 if problem else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.SET_WORKLOAD_LIMITS)
def workload_limits(request):
    """The director sets the centre's limits; what was typed stays on the page if refused."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in LIMIT_FIELDS}
        try:
            do_set_workload_limits(actor=request.user, **values)
        except ValidationError as exc:
            errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            messages.success(request, _("The workload limits are saved."))
            return redirect("operations:workload")
    else:
        limits, _saved = selectors.workload_limits_for(request.user.organisation_id)
        values = {name: _plain(getattr(limits, name)) for name in LIMIT_FIELDS}
    saved = selectors.saved_workload_limits(request.user)
    fields = [
        {
            "name": name,
            "label": LIMIT_LABELS[name],
            "help": LIMIT_HELP[name],
            "value": values[name],
            "errors": errors.get(name, []),
            "step": "0.5" if name in ("max_hours_per_week", "min_rest_hours") else "1",
        }
        for name in LIMIT_FIELDS
    ]
    return render(
        request,
        "operations/workload_limits.html",
        {"fields": fields, "saved": saved, "defaults": rules.DEFAULT_LOAD_LIMITS},
        status=422 if errors else 200,
    )


def _plain(number) -> str:
    """40.0 → "40", 37.5 → "37.5" for the input box."""
    text = f"{float(number):.1f}"
    return text[:-2] if text.endswith(".0") else text


LIMIT_LABELS = {
    "max_hours_per_week": gettext_lazy("Maximum hours on shift per week"),
    "max_night_shifts_per_week": gettext_lazy("Maximum night shifts per week"),
    "min_rest_hours": gettext_lazy("Minimum rest between shifts (hours)"),
    "max_high_risk_contacts_per_week": gettext_lazy("Maximum high-risk contacts per week"),
}
LIMIT_HELP = {
    "max_hours_per_week": gettext_lazy("More than this is over the limit. Up to 168."),
    "max_night_shifts_per_week": gettext_lazy(
        "A night shift is any shift during 22:00–06:00. More than this is over the limit."
    ),
    "min_rest_hours": gettext_lazy(
        "A rest shorter than this between the end of one shift and the start of the next is "
        "too little. From 0 to 24; 0 never flags."
    ),
    "max_high_risk_contacts_per_week": gettext_lazy(
        "Contacts judged at high or imminent risk that the person handled. More than this is "
        "over the limit."
    ),
}
