import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from xinyuan.core import permissions
from xinyuan.core.middleware import BrowserOnly

# Polled in the background (alerts): they do not count as the user being active.
BACKGROUND_PATHS = ("/alerts/panel/",)
TWO_FACTOR_FREE_PATHS = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/login/",
    "/static/",
    "/i18n/",
    "/healthz",
)


class IdleTimeoutMiddleware:
    """Signs a browser session out after IDLE_TIMEOUT_MINUTES without user activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            last = request.session.get("last_activity")
            limit = settings.IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - last > limit:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity.")
                    % {"minutes": settings.IDLE_TIMEOUT_MINUTES},
                )
                if request.headers.get("HX-Request"):
                    response = redirect(settings.LOGIN_URL)
                    response["HX-Redirect"] = response["Location"]
                    return response
                return redirect(settings.LOGIN_URL)
            # Written at most once a minute: no session write on every request.
            if not request.path.startswith(BACKGROUND_PATHS) and (last is None or now - last > 60):
                request.session["last_activity"] = now
        return self.get_response(request)


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
