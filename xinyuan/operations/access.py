"""Who may see and change what of running the centre, decided in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xinyuan.core import permissions


# Load and burn-out signals (OP-02) ------------------------------------------------------------
@dataclass(frozen=True)
class WorkloadAccess:
    user: Any

    def _has(self, permission: str) -> bool:
        return self.user.organisation_id is not None and permissions.has_perm(self.user, permission)

    @property
    def can_view_staff(self) -> bool:
        """Every counsellor's and supervisor's load in the user's centre."""
        return self._has(permissions.VIEW_STAFF_WORKLOAD)

    @property
    def can_view_own(self) -> bool:
        """The user's own load (whoever takes calls)."""
        return self._has(permissions.VIEW_OWN_WORKLOAD)

    @property
    def can_view(self) -> bool:
        return self.can_view_staff or self.can_view_own

    @property
    def can_set_limits(self) -> bool:
        """The centre's limits on each person's weekly load."""
        return self._has(permissions.SET_WORKLOAD_LIMITS)


def decide_workload(user) -> WorkloadAccess:
    return WorkloadAccess(user)
