from django.conf import settings
from django.contrib.auth.views import redirect_to_login

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
)


class LoginRequiredMiddleware:
    """Login required everywhere except the public paths above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
