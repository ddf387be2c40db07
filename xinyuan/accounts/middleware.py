import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from xinyuan.core import permissions
from xinyuan.core.middleware import BrowserOnly

# Polled in the background (alerts, the acknowledgement of a contact's alert, the page's
# heartbeat, the live board): they do not count as the user being active.
BACKGROUND_PATHS = ("/alerts/panel/", "/session/", "/reports/board/panel/")
BACKGROUND_SUFFIXES = ("/alert-status/",)
TWO_FACTOR_FREE_PATHS = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/login/",
    "/static/",
    "/i18n/",
    "/healthz",
)
# Session keys: when the user signed in, and the last request that was the user's doing.
SIGNED_IN_AT = "signed_in_at"
LAST_ACTIVITY = "last_activity"


def is_background(request) -> bool:
    return request.path.startswith(BACKGROUND_PATHS) or request.path.endswith(BACKGROUND_SUFFIXES)


def sign_out_reason(session, now: float) -> str:
    """ "idle", "hard_max" or "" for a browser session at ``now``."""
    signed_in = session.get(SIGNED_IN_AT)
    if signed_in is not None and now - signed_in > settings.SESSION_HARD_MAX_HOURS * 3600:
        return "hard_max"
    last = session.get(LAST_ACTIVITY)
    if last is not None and now - last > settings.IDLE_TIMEOUT_MINUTES * 60:
        return "idle"
    return ""


def note_activity(session, now: float, *, force: bool = False) -> None:
    """Written at most once a minute: no session write on every request."""
    last = session.get(LAST_ACTIVITY)
    if force or last is None or now - last > 60:
        session[LAST_ACTIVITY] = now


class IdleTimeoutMiddleware:
    """Signs a browser session out after IDLE_TIMEOUT_MINUTES without user activity, and in any
    case SESSION_HARD_MAX_HOURS after sign-in. A page with a live call or the alerts open keeps
    the session alive through ``/session/keepalive/`` (hotline.views.session), never past the
    hard maximum. Signed out, the user goes to the sign-in page, told why, and comes back to
    the page they were on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            if request.session.get(SIGNED_IN_AT) is None:
                request.session[SIGNED_IN_AT] = now  # a session from before this was recorded
            reason = sign_out_reason(request.session, now)
            if reason:
                return self._sign_out(request, reason)
            if not is_background(request):
                note_activity(request.session, now)
        return self.get_response(request)

    @staticmethod
    def _sign_out(request, reason: str):
        from xinyuan.core.views_helpers import page_to_return_to

        back_to = page_to_return_to(request)
        logout(request)
        if reason == "hard_max":
            message = _(
                "You were signed out %(hours)s hours after signing in. Sign in again to go on; "
                "what you typed and saved is kept."
            ) % {"hours": f"{settings.SESSION_HARD_MAX_HOURS:g}"}
        else:
            message = _(
                "You were signed out after %(minutes)s minutes without activity. Sign in again "
                "to go back to the page you were on."
            ) % {"minutes": settings.IDLE_TIMEOUT_MINUTES}
        messages.info(request, message)
        response = redirect_to_login(back_to or "/", settings.LOGIN_URL)
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in page into a part of the page: navigate instead.
            return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
        return response


class TwoFactorRequiredMiddleware:
    """Privileged roles must set up two-factor sign-in before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and permissions.needs_two_factor(user)
            and not user.has_two_factor
            and not request.path.startswith(TWO_FACTOR_FREE_PATHS)
        ):
            if request.path.startswith("/api/"):
                # The API also accepts the browser session: the same rule holds there.
                return JsonResponse(
                    {"detail": _("Set up two-factor sign-in before using the API.")}, status=403
                )
            if request.headers.get("HX-Request"):
                # A background request (the alerts poll) must not swap the set-up page into a
                # part of the page, nor reload it while the user types the code: answer nothing.
                return HttpResponse(status=204)
            return redirect("accounts:2fa-setup")
        return self.get_response(request)


class BrowserIdleTimeoutMiddleware(BrowserOnly):
    """Idle sign-out concerns browser sessions only (a token has none)."""

    wrapped = "xinyuan.accounts.middleware.IdleTimeoutMiddleware"


class BrowserTwoFactorRequiredMiddleware(BrowserOnly):
    wrapped = "xinyuan.accounts.middleware.TwoFactorRequiredMiddleware"
