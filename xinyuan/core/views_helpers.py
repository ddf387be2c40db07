from functools import wraps

from django.core.exceptions import PermissionDenied

from xinyuan.accounts import permissions


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
