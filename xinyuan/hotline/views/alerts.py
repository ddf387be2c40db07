"""The supervisors' alert panel (polled by every page of a supervisor or director), taking an
alert, and the duty toggle."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinyuan.accounts.actions import do_set_duty
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm, safe_next
from xinyuan.hotline import actions, selectors
from xinyuan.hotline.access import access_alert


@require_GET
@require_perm(permissions.ACKNOWLEDGE_ALERTS)
def alerts_panel(request):
    """Polled by every page of a supervisor (every few seconds): the open high-risk alerts."""
    return render_alerts(request)


def render_alerts(request):
    """High-risk contacts and serious self-test results nobody has taken yet."""
    from xinyuan.assessments.selectors import urgent_untaken_for

    alerts = list(selectors.open_alerts_for(request.user)[:20])
    urgent_tasks = list(urgent_untaken_for(request.user)[:20])
    return render(
        request,
        "hotline/partials/_alerts.html",
        {"alerts": alerts, "urgent_tasks": urgent_tasks},
    )


@require_POST
@require_perm(permissions.ACKNOWLEDGE_ALERTS)
def alert_acknowledge(request, public_id):
    access = access_alert(request.user, public_id)
    actions.do_acknowledge_alert(actor=request.user, alert=access.alert)
    if request.htmx:
        return render_alerts(request)
    return redirect(safe_next(request, "hotline:workstation"))


@require_POST
@require_perm(permissions.SET_DUTY)
def duty_toggle(request):
    do_set_duty(actor=request.user, on_duty=request.POST.get("on_duty") == "1")
    return redirect(safe_next(request, "hotline:workstation"))
