from django.conf import settings

from xinyuan.core import permissions


def xinyuan(request):
    user = getattr(request, "user", None)
    return {
        "ALERT_POLL_SECONDS": settings.ALERT_POLL_SECONDS,
        # What the user may do, by permission name (``{% if can.view_audit %}``): templates
        # decide by permission, never by role.
        "can": permissions.granted(user) if user is not None else {},
        "current_org": getattr(user, "organisation", None) if user else None,
        "session_clock": _session_clock(request, user),
    }


def _session_clock(request, user) -> dict | None:
    """For the page's idle warning: seconds until the idle and the hard sign-out. The idle time
    left is the server's: it notes activity at most once a minute, so the page may start its
    countdown with up to a minute already gone."""
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return None
    import time

    now = time.time()
    signed_in = request.session.get("signed_in_at") or now
    last = request.session.get("last_activity") or now
    idle = settings.IDLE_TIMEOUT_MINUTES * 60
    return {
        "idle": idle,
        "idle_left": max(0, int(idle - (now - last))),
        "warn": settings.IDLE_WARNING_SECONDS,
        "hard_left": max(0, int(settings.SESSION_HARD_MAX_HOURS * 3600 - (now - signed_in))),
    }
