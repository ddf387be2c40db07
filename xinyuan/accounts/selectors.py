from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from xinyuan.accounts import rules
from xinyuan.accounts.models import (
    ApiToken,
    SignInFailure,
    SignInLink,
    SignInStage,
    TwoFactorReset,
    User,
)
from xinyuan.core import crypto, permissions


def users_visible_to(user) -> QuerySet[User]:
    if user.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=user.organisation_id).order_by("username")


def tokens_visible_to(user) -> QuerySet[ApiToken]:
    if permissions.has_perm(user, permissions.MANAGE_TOKENS):
        return ApiToken.objects.filter(user__organisation_id=user.organisation_id).select_related(
            "user"
        )
    return ApiToken.objects.filter(user=user).select_related("user")


# Sign-in throttling (docs/decisions/0008-sign-in-throttling.md) ------------------------------


@dataclass(frozen=True)
class SignInAttempt:
    """Who is trying what from where, as the throttle sees it: the name as typed (folded and
    keyed-hashed, so unknown names are handled like accounts) and the client's network."""

    stage: str
    name_hash: str
    network: str


@dataclass(frozen=True)
class Throttle:
    until: datetime
    account_wide: bool = False  # only for two-factor codes: see the decision record


def client_network(request) -> str:
    """The client's network from ``REMOTE_ADDR`` only (core.middleware.TrustedProxyMiddleware
    puts a trusted proxy's client there; nothing else a client sends is believed)."""
    return rules.network_of(request.META.get("REMOTE_ADDR") if request is not None else None)


def sign_in_name_hash(username: str) -> str:
    return crypto.keyed_hash("sign-in-name", rules.normalised_username(username))


def sign_in_attempt(request, *, stage: str, username: str) -> SignInAttempt:
    return SignInAttempt(
        stage=stage, name_hash=sign_in_name_hash(username), network=client_network(request)
    )


def sign_in_throttle(attempt: SignInAttempt, *, now: datetime | None = None) -> Throttle | None:
    """Whether this attempt must wait, and until when. The same statements run whatever the
    name: nothing here depends on whether an account of that name exists."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.SIGNIN_WINDOW_MINUTES)
    recent = SignInFailure.objects.filter(stage=attempt.stage, at__gt=now - window).order_by("-at")
    name_limit, address_limit = settings.SIGNIN_LIMIT_PER_NAME, settings.SIGNIN_LIMIT_PER_ADDRESS
    if address_limit > 0:
        # One query: the address's newest failures hold the name's too. Were the name's
        # limit-th newest failure older than all of them, the address's own throttle would
        # end later than the name's, so the answer is the same.
        rows = list(
            recent.filter(network=attempt.network).values_list("name_hash", "at")[:address_limit]
        )
        by_name = [at for name_hash, at in rows if name_hash == attempt.name_hash]
        by_address = [at for _name_hash, at in rows]
    else:
        by_name = list(
            recent.filter(network=attempt.network, name_hash=attempt.name_hash).values_list(
                "at", flat=True
            )[:name_limit]
        )
        by_address = []
    untils = [
        rules.throttled_until(by_name, limit=name_limit, window=window),
        rules.throttled_until(by_address, limit=address_limit, window=window),
    ]
    until = max((u for u in untils if u is not None), default=None)
    account_limit = settings.SIGNIN_CODE_LIMIT_PER_ACCOUNT
    if attempt.stage == SignInStage.CODE and account_limit > 0:
        by_account = list(
            recent.filter(name_hash=attempt.name_hash).values_list("at", flat=True)[:account_limit]
        )
        account_until = rules.throttled_until(by_account, limit=account_limit, window=window)
        if account_until is not None and (until is None or account_until >= until):
            return Throttle(until=account_until, account_wide=True)
    return Throttle(until=until) if until is not None else None


# Centre administration ----------------------------------------------------------------------


def staff_visible_to(user) -> QuerySet[User]:
    """The accounts of the user's centre, for those who run it (MANAGE_CENTRE); none otherwise.
    Active accounts first, then by role and user name."""
    if user.organisation_id is None or not permissions.has_perm(user, permissions.MANAGE_CENTRE):
        return User.objects.none()
    return User.objects.filter(organisation_id=user.organisation_id).order_by(
        "-is_active", "role", "username"
    )


def staff_list(user) -> QuerySet[User]:
    """The staff page's rows: each with whether a two-factor reset waits for a second person
    (one statement for the whole list)."""
    from django.db.models import Exists, OuterRef

    pending = TwoFactorReset.objects.filter(
        user=OuterRef("pk"), confirmed_at__isnull=True, expires_at__gt=timezone.now()
    )
    return staff_visible_to(user).annotate(has_pending_reset=Exists(pending))


def two_factor_resets_visible_to(user) -> QuerySet[TwoFactorReset]:
    if user.organisation_id is None or not permissions.has_perm(user, permissions.MANAGE_CENTRE):
        return TwoFactorReset.objects.none()
    return TwoFactorReset.objects.filter(organisation_id=user.organisation_id).select_related(
        "user", "requested_by", "confirmed_by"
    )


def pending_two_factor_resets(user) -> QuerySet[TwoFactorReset]:
    return two_factor_resets_visible_to(user).filter(
        confirmed_at__isnull=True, expires_at__gt=timezone.now()
    )


def centre_managers(organisation_id: int | None) -> QuerySet[User]:
    """The active accounts that run the centre (hold MANAGE_CENTRE by role)."""
    if organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=organisation_id,
        is_active=True,
        role__in=permissions.roles_with(permissions.MANAGE_CENTRE),
    )


def sign_in_link_for(clear: str) -> SignInLink | None:
    """The unused, unrevoked, unexpired link with this key, with its active account; or None."""
    from xinyuan.accounts.tokens import hash_token

    if not clear or len(clear) > 200:
        return None
    return (
        SignInLink.objects.select_related("user")
        .filter(
            key_hash=hash_token(clear),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )
