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


# Paths that are parts of a page or background requests, never a page to come back to.
NOT_A_PAGE = (
    "/alerts/panel/",
    "/alert-status/",
    "/session/",
    "/risk/preview/",
    "/reports/board/panel/",
)


def page_to_return_to(request) -> str:
    """The page the user was on, to come back to after signing in again: the request's own path
    for a page (GET); for htmx the page that sent it (``HX-Current-URL``), for a form post the
    page it came from (``Referer``) — never a part of a page or a URL that only takes posts.
    Only paths of this site ("" when there is none)."""
    from urllib.parse import urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    if request.headers.get("HX-Request"):
        candidate = request.headers.get("HX-Current-URL", "")
    elif request.method in ("GET", "HEAD"):
        candidate = request.get_full_path()
    else:
        candidate = request.headers.get("Referer", "")
    if not candidate or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(candidate)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or any(marker in parts.path for marker in NOT_A_PAGE):
        return ""
    return path


def is_page_path(path: str) -> bool:
    return not any(marker in path for marker in NOT_A_PAGE)


def post_only(back_to: str):
    """Like ``require_POST``, but a GET — a link followed, a page reloaded after signing in
    again, a URL typed — goes to the page ``back_to`` (named with the URL's ``public_id``)
    instead of a bare 405 error page. Other methods are still refused with 405."""
    from functools import wraps

    from django.http import HttpResponseNotAllowed
    from django.shortcuts import redirect

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return redirect(back_to, public_id=kwargs["public_id"])
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def add_form_errors(form, exc, rename: dict[str, str] | None = None) -> None:
    """An action's refusal (a ``ValidationError``) onto the form: under the field it names
    (``rename`` maps an action's field name to the form's), otherwise at the top. What was
    typed stays in the form."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            name = (rename or {}).get(field, field)
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error_messages(exc):
            form.add_error(None, message)
