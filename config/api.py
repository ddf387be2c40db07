"""The JSON API under /api/v1/ (django-ninja): bearer tokens or the browser session.

Assembled here, in the project's composition root, from the routers of the apps: ``core``
knows no domain app."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from xinyuan.accounts.actions import token_holder
from xinyuan.accounts.api_auth import SWITCH_TOKEN_ELSEWHERE, BearerAuth, WrongCredential
from xinyuan.accounts.models import TokenScope
from xinyuan.assessments.api import scales_router
from xinyuan.cases.api import follow_ups_router, persons_router, referrals_router
from xinyuan.core.crypto import KEY_UNAVAILABLE_MESSAGE, KeyUnavailable, report_key_unavailable
from xinyuan.core.errors import ConflictError
from xinyuan.directory.api import directory_router
from xinyuan.hotline.api import call_events_router, contacts_router, risk_router
from xinyuan.hotline.rules import RiskInputError
from xinyuan.reports.api import reports_router


def token_or_login_required(view):
    """The schema and the docs page: a signed-in user, or a bearer token (an integrator of a
    telephone switch has a token, not a browser session). A wrong, revoked or expired token is
    a 401, the switch's own token (it may only post call events) a 403; a visitor with neither
    is sent to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            found = token_holder(token.strip())
            if found is None:
                return JsonResponse(
                    {"detail": _("Unknown, revoked or expired token.")},
                    status=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            user, scope = found
            if scope != TokenScope.ALL:
                return JsonResponse({"detail": str(SWITCH_TOKEN_ELSEWHERE)}, status=403)
            request.user = user
            return view(request, *args, **kwargs)
        return login_required(view)(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="Xinyuan API",
    version="1",
    description="Psychological-assistance hotline platform. Authenticate with "
    "`Authorization: Bearer <token>` (see `manage.py create_api_token`) or a browser session. "
    "Call events accept only the telephone switch's own token (scope `call_events`), which is "
    "refused everywhere else.",
    auth=[BearerAuth(), django_auth],
    urls_namespace="api",
    docs_decorator=token_or_login_required,
)


def validation_payload(exc: ValidationError) -> dict:
    if hasattr(exc, "message_dict"):
        detail = [
            {"loc": ["body", field], "msg": " ".join(str(m) for m in messages), "type": "invalid"}
            for field, messages in exc.message_dict.items()
        ]
    else:
        detail = [{"loc": ["body"], "msg": " ".join(exc.messages), "type": "invalid"}]
    return {"detail": detail}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, validation_payload(exc), status=422)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(RiskInputError)
def on_risk_input_error(request, exc):
    detail = [{"loc": ["body", exc.field_name], "msg": exc.message, "type": "invalid"}]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(ConflictError)
def on_conflict(request, exc):
    return api.create_response(
        request,
        {"detail": exc.message, "code": "version_conflict", "current_version": exc.current_version},
        status=409,
    )


@api.exception_handler(KeyUnavailable)
def on_key_unavailable(request, exc):
    report_key_unavailable(f"{request.method} {request.path}")
    return api.create_response(
        request, {"detail": str(KEY_UNAVAILABLE_MESSAGE), "code": "key_unavailable"}, status=503
    )


@api.exception_handler(WrongCredential)
def on_wrong_credential(request, exc):
    return api.create_response(request, {"detail": str(exc.message)}, status=403)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(
        request, {"detail": _("You do not have permission to do this.")}, status=403
    )


@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(Http404)
def on_http404(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


api.add_router("/risk", risk_router)
api.add_router("/contacts", contacts_router)
api.add_router("/scales", scales_router)
api.add_router("/call-events", call_events_router)
api.add_router("/reports", reports_router)
api.add_router("/directory", directory_router)
api.add_router("/persons", persons_router)
api.add_router("/referrals", referrals_router)
api.add_router("/follow-ups", follow_ups_router)
