"""Who may see or change the rota, decided in one place (see ``hotline/access.py``).

The rota is the centre's: everyone who works shifts sees the week and the coverage; those who
build the rota (supervisors, directors) assign, apply templates and approve requests; the
director (and the platform administrator of the centre) sets the service hours. A shift or a
request of another centre is not found (404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from xinyuan.core import permissions
from xinyuan.operations.models import Shift, ShiftRequest, ShiftRequestStatus


def _of_a_centre(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.organisation_id is not None


@dataclass(frozen=True)
class RotaAccess:
    user: Any

    def _has(self, name: str) -> bool:
        return _of_a_centre(self.user) and permissions.has_perm(self.user, name)

    @property
    def can_view(self) -> bool:
        return self._has(permissions.VIEW_ROTA) or self._has(permissions.MANAGE_SERVICE_HOURS)

    @property
    def can_manage(self) -> bool:
        return self._has(permissions.MANAGE_ROTA)

    @property
    def can_sign_up(self) -> bool:
        return self._has(permissions.SIGN_UP_FOR_SHIFTS)

    @property
    def can_edit_service_hours(self) -> bool:
        return self._has(permissions.MANAGE_SERVICE_HOURS)

    @property
    def hears_of_gaps(self) -> bool:
        return self._has(permissions.HEAR_OF_COVERAGE_GAPS)


def decide_rota(user) -> RotaAccess:
    return RotaAccess(user)


@dataclass(frozen=True)
class ShiftAccess:
    user: Any
    shift: Shift

    @property
    def own_centre(self) -> bool:
        return _of_a_centre(self.user) and self.user.organisation_id == self.shift.organisation_id

    @property
    def can_assign(self) -> bool:
        return self.own_centre and permissions.has_perm(self.user, permissions.MANAGE_ROTA)

    @property
    def can_sign_up(self) -> bool:
        return (
            self.own_centre
            and self.shift.user_id is None
            and permissions.has_perm(self.user, permissions.SIGN_UP_FOR_SHIFTS)
        )

    @property
    def can_ask_for_change(self) -> bool:
        """Ask a colleague to take over or swap: one's own shift."""
        return (
            self.own_centre
            and self.shift.user_id == self.user.pk
            and permissions.has_perm(self.user, permissions.SIGN_UP_FOR_SHIFTS)
        )


def decide_shift(user, shift: Shift) -> ShiftAccess:
    return ShiftAccess(user, shift)


def access_shift(user, public_id) -> ShiftAccess:
    if not decide_rota(user).can_view:
        raise Http404
    shift = (
        Shift.objects.filter(organisation_id=user.organisation_id, public_id=public_id)
        .select_related("seat", "user")
        .first()
    )
    if shift is None:
        raise Http404
    return ShiftAccess(user, shift)


@dataclass(frozen=True)
class ShiftRequestAccess:
    user: Any
    request: ShiftRequest

    @property
    def own_centre(self) -> bool:
        return _of_a_centre(self.user) and self.user.organisation_id == self.request.organisation_id

    @property
    def can_accept(self) -> bool:
        """The colleague asked (or, for an open substitution, anyone who works shifts)."""
        r = self.request
        if not (
            self.own_centre
            and r.status == ShiftRequestStatus.ASKED
            and r.requested_by_id != self.user.pk
            and permissions.has_perm(self.user, permissions.SIGN_UP_FOR_SHIFTS)
        ):
            return False
        return r.colleague_id is None or r.colleague_id == self.user.pk

    @property
    def can_decline(self) -> bool:
        r = self.request
        return (
            self.own_centre
            and r.status == ShiftRequestStatus.ASKED
            and r.colleague_id == self.user.pk
        )

    @property
    def can_withdraw(self) -> bool:
        r = self.request
        return (
            self.own_centre
            and r.requested_by_id == self.user.pk
            and r.status in (ShiftRequestStatus.ASKED, ShiftRequestStatus.ACCEPTED)
        )

    @property
    def can_decide(self) -> bool:
        """Approve or reject: a supervisor or director of the centre, once accepted."""
        return (
            self.own_centre
            and self.request.status == ShiftRequestStatus.ACCEPTED
            and permissions.has_perm(self.user, permissions.MANAGE_ROTA)
        )


def decide_shift_request(user, request: ShiftRequest) -> ShiftRequestAccess:
    return ShiftRequestAccess(user, request)


def access_shift_request(user, public_id) -> ShiftRequestAccess:
    if not decide_rota(user).can_view:
        raise Http404
    found = (
        ShiftRequest.objects.filter(organisation_id=user.organisation_id, public_id=public_id)
        .select_related("shift", "other_shift", "requested_by", "colleague")
        .first()
    )
    if found is None:
        raise Http404
    return ShiftRequestAccess(user, found)
