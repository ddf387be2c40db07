"""Who a JSON API request acts as: bearer tokens, by scope (docs/decisions/0016).

A token of scope ``all`` acts as its user everywhere in the API (``BearerAuth``). The telephone
switch's token (scope ``call_events``) is accepted by ``SwitchTokenAuth`` alone, the only
authentication of ``POST /api/v1/call-events``: the centre's answer rate and local calls in the
official work report come from the switch, not from whoever holds a session or a token."""

from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from xinyuan.accounts.actions import token_holder
from xinyuan.accounts.models import TokenScope

SWITCH_TOKEN_ELSEWHERE = _(
    "This is the telephone switch's token: it may only post call events (POST /api/v1/call-events)."
)
CALL_EVENTS_NEED_SWITCH_TOKEN = _(
    "Call events come only from the telephone switch's own token (an API token of scope "
    "“Telephone switch: call events only”), not from a browser session or a counsellor's token."
)


class WrongCredential(Exception):
    """A known, valid credential that may not be used here: answered 403 with ``message``."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class BearerAuth(HttpBearer):
    """A token acting as its user (scope ``all``). An unknown, revoked or expired token is a
    401; the switch's token is refused with a 403 saying what it is for."""

    def authenticate(self, request, token):
        found = token_holder(token)
        if found is None:
            return None
        user, scope = found
        if scope != TokenScope.ALL:
            raise WrongCredential(SWITCH_TOKEN_ELSEWHERE)
        request.user = user
        return user


class SwitchTokenAuth(HttpBearer):
    """The telephone switch's token (scope ``call_events``) and nothing else: a token of scope
    ``all`` or a browser session is refused with a 403 saying where call events come from; no
    credential at all, or an unknown one, is a 401."""

    def __call__(self, request):
        if not request.headers.get(self.header):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                raise WrongCredential(CALL_EVENTS_NEED_SWITCH_TOKEN)
        return super().__call__(request)

    def authenticate(self, request, token):
        found = token_holder(token)
        if found is None:
            return None
        user, scope = found
        if scope != TokenScope.CALL_EVENTS:
            raise WrongCredential(CALL_EVENTS_NEED_SWITCH_TOKEN)
        request.user = user
        return user
