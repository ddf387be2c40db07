"""Who may run a centre and change its accounts: every decision of centre administration.

Pages, actions and templates read these decisions; nothing else decides them. A centre is run
by those of its own accounts whose role holds MANAGE_CENTRE (administrators and directors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from xinyuan.accounts import selectors
from xinyuan.accounts.models import Organisation, TwoFactorReset, User
from xinyuan.core import permissions


def runs_centre(user, organisation_id: int | None) -> bool:
    """Whether ``user`` runs the centre ``organisation_id`` (their own, with MANAGE_CENTRE)."""
    return (
        organisation_id is not None
        and getattr(user, "organisation_id", None) == organisation_id
        and permissions.has_perm(user, permissions.MANAGE_CENTRE)
    )


def access_centre(user) -> Organisation:
    """The centre the user runs; 403 for anyone who runs none (an admin without a centre too)."""
    if not runs_centre(user, getattr(user, "organisation_id", None)):
        raise PermissionDenied
    return user.organisation


@dataclass(frozen=True)
class StaffAccess:
    user: Any  # who asks
    staff: User  # the account asked about

    @property
    def own_centre(self) -> bool:
        return runs_centre(self.user, self.staff.organisation_id)

    @property
    def is_self(self) -> bool:
        return self.staff.pk == self.user.pk

    @property
    def can_edit(self) -> bool:
        return self.own_centre

    @property
    def can_change_role(self) -> bool:
        """Nobody changes their own role (nor removes their own right to run the centre)."""
        return self.own_centre and not self.is_self

    @property
    def can_deactivate(self) -> bool:
        return self.own_centre and self.staff.is_active and not self.is_self

    @property
    def can_reactivate(self) -> bool:
        return self.own_centre and not self.staff.is_active

    @property
    def can_issue_link(self) -> bool:
        """A new one-time link only while the account has never set a password of its own."""
        return self.own_centre and self.staff.is_active and not self.staff.has_usable_password()

    @property
    def can_request_two_factor_reset(self) -> bool:
        """Someone else's two-factor sign-in, never one's own (that would need no second
        factor at all to remove it)."""
        return (
            self.own_centre
            and self.staff.is_active
            and not self.is_self
            and self.staff.has_two_factor
        )


def decide_staff(user, staff: User) -> StaffAccess:
    return StaffAccess(user=user, staff=staff)


def _lookup(qs, public_id):
    try:
        found = qs.filter(public_id=public_id).first()
    except ValidationError as exc:  # not a UUID
        raise Http404 from exc
    if found is None:
        raise Http404
    return found


def access_staff(user, public_id, *, require: str | None = None) -> StaffAccess:
    """An account of the user's centre; 403 for those who do not run a centre, 404 for an
    account elsewhere; 403 when ``require`` names a decision the user does not have."""
    access_centre(user)
    access = decide_staff(user, _lookup(selectors.staff_visible_to(user), public_id))
    if require is not None and not getattr(access, require):
        raise PermissionDenied
    return access


@dataclass(frozen=True)
class TwoFactorResetAccess:
    user: Any
    reset: TwoFactorReset

    @property
    def can_confirm(self) -> bool:
        """A second person: who runs the centre, neither the one who asked nor the account."""
        reset = self.reset
        return (
            runs_centre(self.user, reset.organisation_id)
            and reset.confirmed_at is None
            and reset.expires_at > timezone.now()
            and self.user.pk not in (reset.requested_by_id, reset.user_id)
        )


def decide_two_factor_reset(user, reset: TwoFactorReset) -> TwoFactorResetAccess:
    return TwoFactorResetAccess(user=user, reset=reset)


def access_two_factor_reset(user, public_id) -> TwoFactorResetAccess:
    access_centre(user)
    return decide_two_factor_reset(
        user, _lookup(selectors.two_factor_resets_visible_to(user), public_id)
    )
