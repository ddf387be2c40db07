from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string

from xinyuan.core.crypto import KEY_UNAVAILABLE_MESSAGE, KeyUnavailable, report_key_unavailable
from xinyuan.core.network import client_address


class TrustedProxyMiddleware:
    """Puts the client's address in ``REMOTE_ADDR`` when the request came through a reverse
    proxy named in ``XINYUAN_TRUSTED_PROXIES`` (from its ``X-Forwarded-For``). Without that
    setting ``X-Forwarded-For`` is ignored: a client cannot choose the address that sign-in
    throttling and the audit trail see. First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TRUSTED_PROXIES:
            address = client_address(
                request.META.get("REMOTE_ADDR"),
                request.META.get("HTTP_X_FORWARDED_FOR", ""),
                settings.TRUSTED_PROXIES,
            )
            if address:
                request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


# Paths that answer without a browser session: the API authenticates each request itself
# (bearer token or session + CSRF), the health check is for load balancers, /bench/ exists only
# when XINYUAN_BENCH=1 (bench/run_bench.py).
PUBLIC_PREFIXES = (
    "/healthz",
    "/static/",
    "/api/",
    "/accounts/login/",
    "/i18n/",
    "/favicon.ico",
    "/bench/",
    "/s/",  # the public self-test portal (AS-02)
    "/feedback/",  # the public complaints and feedback form beside it (HL-15)
)


class LoginRequiredMiddleware:
    """Login required everywhere except the public paths above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            from xinyuan.core.views_helpers import page_to_return_to

            # Back to the page the user was on (not the part of it, nor a post-only URL).
            response = redirect_to_login(page_to_return_to(request) or "/", settings.LOGIN_URL)
            if request.headers.get("HX-Request"):
                # htmx would swap the sign-in page into a part of the page: navigate instead.
                return HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
            return response
        return self.get_response(request)


# No inline script anywhere; inline style attributes only where Bootstrap's JavaScript sets them
# through the CSSOM (allowed). The API's interactive docs page loads its own inline code and is
# served with a policy of its own.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = (
            DOCS_CONTENT_SECURITY_POLICY
            if request.path.startswith("/api/v1/docs")
            else CONTENT_SECURITY_POLICY
        )
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            response.setdefault("Cache-Control", "no-store")
        return response


class KeyUnavailableMiddleware:
    """A value encrypted under a field key that is no longer configured: a clear message (503)
    instead of a server error, and a log line for the operator. An htmx request gets the
    message as a fragment with 200, because htmx swaps only successful answers: it appears
    where the value would have. Last in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, KeyUnavailable):
            return None
        report_key_unavailable(f"{request.method} {request.path}")
        if request.headers.get("HX-Request"):
            return render(
                request,
                "includes/key_unavailable.html",
                {"message": KEY_UNAVAILABLE_MESSAGE},
            )
        return render(
            request, "key_unavailable.html", {"message": KEY_UNAVAILABLE_MESSAGE}, status=503
        )


# The browser's middleware, skipped by a request of an API client holding a token ---------------


def is_token_api_request(request) -> bool:
    """A request to the JSON API that authenticates with a bearer token: it carries no
    session, no CSRF cookie and no messages, so the middleware that serves those for browser
    pages has nothing to do for it (and would cost every such request)."""
    return request.path_info.startswith("/api/") and request.META.get(
        "HTTP_AUTHORIZATION", ""
    ).startswith("Bearer ")


class BrowserOnly:
    """Runs the middleware named by ``wrapped`` for every request except a token-authenticated
    API request, which goes straight on. Its ``process_view``/``process_exception``/
    ``process_template_response`` hooks are forwarded on the same condition."""

    wrapped = ""

    def __init__(self, get_response):
        self.get_response = get_response
        self.inner = import_string(self.wrapped)(get_response)

    def __call__(self, request):
        if is_token_api_request(request):
            return self.skip(request)
        return self.inner(request)

    def skip(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        hook = getattr(self.inner, "process_view", None)
        if hook is None or is_token_api_request(request):
            return None
        return hook(request, view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        hook = getattr(self.inner, "process_exception", None)
        if hook is None or is_token_api_request(request):
            return None
        return hook(request, exception)

    def process_template_response(self, request, response):
        hook = getattr(self.inner, "process_template_response", None)
        if hook is None or is_token_api_request(request):
            return response
        return hook(request, response)


class BrowserSessionMiddleware(BrowserOnly):
    wrapped = "django.contrib.sessions.middleware.SessionMiddleware"


class BrowserCsrfMiddleware(BrowserOnly):
    wrapped = "django.middleware.csrf.CsrfViewMiddleware"


class BrowserAuthenticationMiddleware(BrowserOnly):
    """The session's user for a browser; for a token, nobody until the API's own
    authentication names the token's user."""

    wrapped = "django.contrib.auth.middleware.AuthenticationMiddleware"

    def skip(self, request):
        request.user = AnonymousUser()
        return self.get_response(request)


class BrowserMessageMiddleware(BrowserOnly):
    wrapped = "django.contrib.messages.middleware.MessageMiddleware"


class BrowserHtmxMiddleware(BrowserOnly):
    wrapped = "django_htmx.middleware.HtmxMiddleware"
