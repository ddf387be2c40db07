"""The supervisors' alert panel (polled by every page of a supervisor or director), taking an
alert, and the duty toggle."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinyuan.accounts.actions import do_set_duty
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm, safe_next
from xinyuan.hotline import actions
from xinyuan.hotline.access import access_alert
from xinyuan.hotline.alerts import build_panel, panel_state


@require_GET
@require_perm(permissions.ACKNOWLEDGE_ALERTS)
def alerts_panel(request):
    """Polled by every page of a supervisor (every few seconds). The page sends the
    fingerprint of the panel it shows (``seen``): when nothing changed the answer is an empty
    204 (htmx swaps nothing) after one statement, with no template and no session write."""
    state = panel_state(request.user)
    if request.GET.get("seen") == state.fingerprint:
        return HttpResponse(status=204)
    return render_alerts(request, state)


def render_alerts(request, state=None, acknowledged=None):
    """High-risk contacts and serious self-test results nobody has taken yet; after an
    acknowledgement, a line that confirms it (``acknowledged``, the alert). That line is not
    part of the panel's state: it stays while the poll finds nothing new, and goes with the
    next change."""
    return render(
        request,
        "hotline/partials/_alerts.html",
        {"panel": build_panel(request.user, state), "acknowledged": acknowledged},
    )


@require_POST
@require_perm(permissions.ACKNOWLEDGE_ALERTS)
def alert_acknowledge(request, public_id):
    access = access_alert(request.user, public_id)
    alert = actions.do_acknowledge_alert(actor=request.user, alert=access.alert)
    if request.htmx:
        return render_alerts(request, acknowledged=alert)
    return redirect(safe_next(request, "hotline:workstation"))


@require_POST
@require_perm(permissions.SET_DUTY)
def duty_toggle(request):
    do_set_duty(actor=request.user, on_duty=request.POST.get("on_duty") == "1")
    return redirect(safe_next(request, "hotline:workstation"))
