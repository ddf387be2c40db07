from xinyuan.audit.actions import clear_request_context, set_request_context


class AuditContextMiddleware:
    """Makes the request's address and user agent available to ``audit.record``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_request_context(request.META.get("REMOTE_ADDR"), request.headers.get("User-Agent", ""))
        try:
            return self.get_response(request)
        finally:
            clear_request_context()
