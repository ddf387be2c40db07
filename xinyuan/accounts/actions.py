from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from xinyuan.accounts import permissions
from xinyuan.accounts.models import ApiToken, Role, User
from xinyuan.accounts.tokens import generate_token, hash_token
from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError

DEFAULT_TOKEN_DAYS = 365
TOKEN_ROLES_ISSUABLE_BY_ADMIN = frozenset({Role.COUNSELLOR})


@transaction.atomic
def do_issue_api_token(
    *, actor, user: User, name: str, days: int | None = DEFAULT_TOKEN_DAYS
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the clear token is returned once and never stored."""
    if actor is not None and actor != user:
        if not permissions.has_perm(actor, permissions.MANAGE_TOKENS):
            raise PermissionDeniedError
        if actor.organisation_id and actor.organisation_id != user.organisation_id:
            raise PermissionDeniedError
        # Separation of duties: an admin may not act as a user who sees the whole
        # organisation's clinical records or the audit trail.
        if user.role not in TOKEN_ROLES_ISSUABLE_BY_ADMIN:
            raise PermissionDeniedError
    clear = generate_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "token",
        prefix=clear[:10],
        key_hash=hash_token(clear),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    record(
        actor=actor,
        action="create",
        target=token,
        changes={"user": user.username, "name": token.name, "expires_at": token.expires_at},
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
        record(
            actor=actor,
            action="revoke",
            target=token,
            changes={"user": token.user.username},
            organisation=token.user.organisation,
        )
    return token


def authenticate_token(clear: str) -> User | None:
    """The user for a bearer token, if it is known, unrevoked and unexpired."""
    if not clear.startswith("xy_"):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(key_hash=hash_token(clear), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Bookkeeping only: not a domain change, so no audit event.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
