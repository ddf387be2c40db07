"""The page's heartbeat: keeps the session of a user on a live call or watching the alerts
alive, and tells the page how long it has before an idle sign-out (accounts.middleware)."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from xinyuan.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT, note_activity
from xinyuan.core import permissions
from xinyuan.hotline import selectors


def keeps_session_alive(user, *, contact: str, watch: bool) -> bool:
    """A page may keep the session alive without the user's activity when it holds the user's
    own contact in progress, or when a supervisor or director watches the alerts."""
    if watch and permissions.has_perm(user, permissions.ACKNOWLEDGE_ALERTS):
        return True
    return bool(contact) and selectors.has_live_contact(user, contact)


@require_POST
def session_keepalive(request):
    """POSTed by the page: ``active=1`` once a minute at most while the user types or clicks
    (activity that reaches no other URL), ``active=0`` every minute from a page with a live call
    (``contact``) or the alerts (``watch=1``) — more often when the idle timeout is so short that
    the warning would come first. Answers whether the session was kept and the seconds left
    before the idle and the hard sign-out."""
    now = time.time()
    session = request.session
    active = request.POST.get("active") == "1"
    kept = active or keeps_session_alive(
        request.user,
        contact=request.POST.get("contact", ""),
        watch=request.POST.get("watch") == "1",
    )
    if kept:
        note_activity(session, now, force=True)
    last = session.get(LAST_ACTIVITY) or now
    signed_in = session.get(SIGNED_IN_AT) or now
    return JsonResponse(
        {
            "kept": kept,
            "idle_left": max(0, int(settings.IDLE_TIMEOUT_MINUTES * 60 - (now - last))),
            "hard_left": max(0, int(settings.SESSION_HARD_MAX_HOURS * 3600 - (now - signed_in))),
        }
    )
