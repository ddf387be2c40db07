from functools import wraps

from django.core.exceptions import PermissionDenied

from xinyuan.core import permissions


def require_perm(*names: str):
    """The view needs at least one of the named permissions; otherwise 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(permissions.has_perm(request.user, name) for name in names):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def error_messages(exc) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [str(m) for messages in exc.message_dict.values() for m in messages]
    return [str(m) for m in getattr(exc, "messages", [exc])]


def posted_version(request, name: str = "version") -> int:
    """The record version the page posted; 0 (never current) if missing or not a number."""
    try:
        return max(int(request.POST.get(name, "0") or 0), 0)
    except ValueError:
        return 0


def safe_next(request, default: str) -> str:
    """The ``next`` target if it stays on this site; otherwise the default (no open redirect)."""
    from django.shortcuts import resolve_url
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)
