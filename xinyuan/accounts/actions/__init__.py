from __future__ import annotations

import copy
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyuan.accounts.models import ApiToken, SignInFailure, TokenScope, User
from xinyuan.accounts.selectors import (
    SignInAttempt,
    Throttle,
    sign_in_name_hash,
    sign_in_throttle,
)
from xinyuan.accounts.tokens import generate_token, hash_token
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError

DEFAULT_TOKEN_DAYS = 365
logger = logging.getLogger(__name__)
# Failures for one user name from all addresses are counted over a day for the alert.
ALERT_WINDOW = timedelta(hours=24)


@transaction.atomic
def do_issue_api_token(
    *,
    actor,
    user: User,
    name: str,
    days: int | None = DEFAULT_TOKEN_DAYS,
    scope: str = TokenScope.ALL,
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the clear token is returned once and never stored. A token
    of scope ``call_events`` is the telephone switch's: it posts call events as ``user`` (whose
    centre they count for) and authenticates nowhere else."""
    if scope not in TokenScope.values:
        raise ValueError(f"Unknown token scope {scope!r}")
    if actor is not None and actor != user:
        if not permissions.has_perm(actor, permissions.MANAGE_TOKENS):
            raise PermissionDeniedError
        if actor.organisation_id and actor.organisation_id != user.organisation_id:
            raise PermissionDeniedError
        # Separation of duties: an admin may not act as a user who sees the whole
        # organisation's clinical records or the audit trail.
        if not permissions.has_perm(user, permissions.HOLD_ADMIN_ISSUED_TOKEN):
            raise PermissionDeniedError
    clear = generate_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "token",
        prefix=clear[:10],
        key_hash=hash_token(clear),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
        scope=scope,
    )
    record(
        actor=actor,
        action="create",
        target=token,
        changes={
            "user": user.username,
            "name": token.name,
            "expires_at": token.expires_at,
            "scope": token.scope,
        },
        organisation=user.organisation,
    )
    return token, clear


@transaction.atomic
def do_revoke_api_token(*, actor, token: ApiToken) -> ApiToken:
    if not permissions.has_perm(actor, permissions.MANAGE_TOKENS) and actor != token.user:
        raise PermissionDeniedError
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        _TOKEN_CACHE.pop(token.key_hash, None)
        record(
            actor=actor,
            action="revoke",
            target=token,
            changes={"user": token.user.username},
            organisation=token.user.organisation,
        )
    return token


# Tokens recently found valid, by hash, in this process: (checked at, expires at, user, scope). A
# telephone switch sends many requests a second with one token; each would otherwise look the
# token and its user up again. A revoked token or a deactivated account therefore stops working
# within API_TOKEN_CACHE_SECONDS in every worker (at once in the worker that revoked it). The
# scope is kept with the user: a switch's token stays refused outside the call events when cached.
_TOKEN_CACHE: dict[str, tuple[float, datetime | None, User, str]] = {}
_TOKEN_CACHE_MAX = 10_000


def token_holder(clear: str) -> tuple[User, str] | None:
    """The user a bearer token acts as and the token's scope (``TokenScope``), if the token is
    known, unrevoked and unexpired and its user active. Callers check the scope."""
    if not clear.startswith("xy_"):
        return None
    key_hash = hash_token(clear)
    now = timezone.now()
    ttl = settings.API_TOKEN_CACHE_SECONDS
    cached = _TOKEN_CACHE.get(key_hash) if ttl > 0 else None
    if cached is not None:
        checked_at, expires_at, user, scope = cached
        if time.monotonic() - checked_at < ttl and (expires_at is None or expires_at > now):
            return copy.copy(user), scope  # each request its own object: an action may change it
        _TOKEN_CACHE.pop(key_hash, None)
    token = (
        ApiToken.objects.select_related("user")
        .defer("user__password", "user__totp_secret_encrypted")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Bookkeeping only: not a domain change, so no audit event.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    if ttl > 0:
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[key_hash] = (
            time.monotonic(),
            token.expires_at,
            copy.copy(token.user),
            token.scope,
        )
    return token.user, token.scope


def authenticate_token(clear: str, *, scope: str = TokenScope.ALL) -> User | None:
    """The user for a bearer token of ``scope``, if it is known, unrevoked and unexpired. By
    default only a token acting fully as its user: never the telephone switch's."""
    found = token_holder(clear)
    if found is None or found[1] != scope:
        return None
    return found[0]


def forget_cached_tokens() -> None:
    _TOKEN_CACHE.clear()


# Sign-in: throttling and two-factor ---------------------------------------------------------


@transaction.atomic
def do_record_sign_in_failure(
    *, attempt: SignInAttempt, username: str, user: User | None = None
) -> Throttle | None:
    """Remember a failed step (password or code) and audit it; return the throttle it starts.

    Runs the same statements whether or not ``username`` is an account (the lookup below runs
    for every name), so neither the answer nor its timing tells an account from a typo. Never
    locks an account: failures from elsewhere only raise the account-wide alert."""
    from django.conf import settings

    now = timezone.now()
    window = timedelta(minutes=settings.SIGNIN_WINDOW_MINUTES)
    SignInFailure.objects.filter(at__lte=now - max(window, ALERT_WINDOW)).delete()
    SignInFailure.objects.create(
        stage=attempt.stage, name_hash=attempt.name_hash, network=attempt.network, at=now
    )
    if user is None:
        user = User.objects.filter(username=username).first()
    changes: dict = {"stage": attempt.stage}
    throttle = sign_in_throttle(attempt, now=now)
    if throttle is not None:
        changes["throttled_until"] = throttle.until.replace(microsecond=0)
        changes["throttle"] = "account" if throttle.account_wide else "address"
    alert = settings.SIGNIN_ALERT_PER_ACCOUNT
    count = SignInFailure.objects.filter(
        name_hash=attempt.name_hash, stage=attempt.stage, at__gt=now - ALERT_WINDOW
    ).count()
    if alert > 0 and count % alert == 0:
        # Many failures for one name from everywhere: a distributed guess. An alert for the
        # auditor and the operator, not a lock (a lock would be the attacker's weapon).
        changes["account_failures"] = count
        logger.warning(
            "sign-in: %s failed %s attempts for one user name within 24 hours (last from %s)",
            count,
            attempt.stage,
            attempt.network,
        )
    record(actor=user, action="login_failed", target=user, changes=changes)
    return throttle


@transaction.atomic
def do_record_login(*, user: User, two_factor: bool, network: str = "") -> User:
    """A completed sign-in: that address's failures for this name are forgotten (a typo before
    the right password costs nothing later); other addresses' are not."""
    if network:
        SignInFailure.objects.filter(
            name_hash=sign_in_name_hash(user.username), network=network
        ).delete()
    record(actor=user, action="login", target=user, changes={"two_factor": two_factor})
    return user


@transaction.atomic
def do_confirm_totp_enrolment(*, actor: User, secret: str, code: str) -> bool:
    """Store a new authenticator secret once a first code proves the app has it.

    Until then the secret lives only in the user's session, so an enrolled user keeps their
    current device until the new one is confirmed (nobody can strip two-factor sign-in by
    sending them to the set-up page)."""
    from xinyuan.accounts import totp
    from xinyuan.core import crypto

    step = totp.matching_step(secret, code)
    if step is None:
        return False
    locked = User.objects.select_for_update().get(pk=actor.pk)
    replaced = locked.has_two_factor
    locked.totp_secret_encrypted = crypto.encrypt(secret)
    locked.totp_confirmed_at = timezone.now()
    locked.totp_last_step = step
    locked.save(update_fields=["totp_secret_encrypted", "totp_confirmed_at", "totp_last_step"])
    record(
        actor=locked,
        action="2fa_enrol",
        target=locked,
        changes={"step": "new device" if replaced else "confirmed"},
    )
    actor.totp_secret_encrypted = locked.totp_secret_encrypted
    actor.totp_confirmed_at, actor.totp_last_step = locked.totp_confirmed_at, step
    return True


def totp_secret(user: User) -> str:
    from xinyuan.core import crypto

    return crypto.decrypt(user.totp_secret_encrypted) if user.totp_secret_encrypted else ""


@transaction.atomic
def do_verify_totp(*, user: User, code: str, confirm: bool = False) -> bool:
    """Check a code (each code is accepted once); ``confirm`` completes the enrolment."""
    from xinyuan.accounts import totp

    locked = User.objects.select_for_update().get(pk=user.pk)
    secret = totp_secret(locked)
    step = totp.matching_step(secret, code, after=locked.totp_last_step) if secret else None
    if step is None:
        return False
    locked.totp_last_step = step
    fields = ["totp_last_step"]
    if confirm and locked.totp_confirmed_at is None:
        locked.totp_confirmed_at = timezone.now()
        fields.append("totp_confirmed_at")
        record(actor=locked, action="2fa_enrol", target=locked, changes={"step": "confirmed"})
    locked.save(update_fields=fields)
    user.totp_last_step, user.totp_confirmed_at = locked.totp_last_step, locked.totp_confirmed_at
    return True


def do_rotate_totp_keys() -> int:
    """Re-encrypt every two-factor secret with the newest field key (``manage.py rotate_keys``)."""
    from xinyuan.core import crypto

    changed = 0
    with transaction.atomic():
        for user in User.objects.select_for_update().exclude(totp_secret_encrypted=""):
            token = crypto.reencrypt(user.totp_secret_encrypted)
            if token != user.totp_secret_encrypted:
                User.objects.filter(pk=user.pk).update(totp_secret_encrypted=token)
                changed += 1
    return changed


@transaction.atomic
def do_set_duty(*, actor: User, on_duty: bool) -> User:
    """A supervisor or director marks themself on duty (receives the alerts) or off duty."""
    if not permissions.has_perm(actor, permissions.SET_DUTY):
        raise PermissionDeniedError
    if actor.is_on_duty != on_duty:
        actor.is_on_duty = on_duty
        actor.save(update_fields=["is_on_duty"])
        record(
            actor=actor,
            action="update",
            target=actor,
            changes={"is_on_duty": [not on_duty, on_duty]},
        )
    return actor
