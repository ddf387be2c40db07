"""Who may see or keep the centre's directory, decided in one place (decision 0018).

The directory is the centre's: a user of a centre with ``VIEW_DIRECTORY`` sees its entries,
one with ``MANAGE_DIRECTORY`` adds, edits, deactivates and imports them. An entry of another
centre is not found (404); a user of no centre sees none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from xinyuan.core import permissions
from xinyuan.directory.models import Institution


def _of_a_centre(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.organisation_id is not None


@dataclass(frozen=True)
class DirectoryAccess:
    user: Any

    def _has(self, name: str) -> bool:
        return _of_a_centre(self.user) and permissions.has_perm(self.user, name)

    @property
    def can_view(self) -> bool:
        return self._has(permissions.VIEW_DIRECTORY)

    @property
    def can_manage(self) -> bool:
        return self._has(permissions.MANAGE_DIRECTORY)


def decide_directory(user) -> DirectoryAccess:
    return DirectoryAccess(user)


def owns(user, institution: Institution) -> bool:
    """The entry is of the user's centre (no query)."""
    return _of_a_centre(user) and user.organisation_id == institution.organisation_id


def access_institution(user, public_id) -> Institution:
    """One entry of the user's centre; 404 for another centre's or an unknown one."""
    if not decide_directory(user).can_view:
        raise Http404
    try:
        found = Institution.objects.filter(
            organisation_id=user.organisation_id, public_id=public_id
        ).first()
    except ValidationError as exc:
        raise Http404 from exc
    if found is None:
        raise Http404
    return found
