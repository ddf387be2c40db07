from django.conf import settings


def xinyuan(request):
    user = getattr(request, "user", None)
    return {
        "ALERT_POLL_SECONDS": settings.ALERT_POLL_SECONDS,
        "current_org": getattr(user, "organisation", None) if user else None,
    }
