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
    }
