class ChineseByDefaultMiddleware:
    """Chinese is the interface language unless the user chose another one.

    Django would otherwise follow the browser's Accept-Language; a centre's shared workstation
    with an English browser must still open in Chinese. The language switch (a cookie) wins.
    An API client states its language explicitly: ``Accept-Language`` is honoured under /api/.
    Must come before django.middleware.locale.LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
