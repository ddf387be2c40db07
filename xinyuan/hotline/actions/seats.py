"""The centre's seats (坐席), set up by those who run the centre: added, renamed, retired and put
back in use. A seat is never deleted: a retired one stays on the contacts it took."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.accounts.access import runs_centre
from xinyuan.audit.actions import record
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.hotline.access import decide_seat
from xinyuan.hotline.models import Seat

SEAT_CODE_MAX_LENGTH = 20


def _clean_code(organisation_id: int, code: str, exclude_pk: int | None = None) -> str:
    code = " ".join((code or "").split())
    if not code:
        raise ValidationError({"code": _("Give the seat a name (e.g. A05).")})
    if len(code) > SEAT_CODE_MAX_LENGTH:
        raise ValidationError(
            {"code": _("Keep the seat's name to %(max)s characters or fewer.") % {"max": 20}}
        )
    taken = Seat.objects.filter(organisation_id=organisation_id, code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"code": _("The centre has a seat named %(code)s already.") % {"code": code}}
        )
    return code


@transaction.atomic
def do_add_seat(*, actor, code: str) -> Seat:
    if not runs_centre(actor, actor.organisation_id):
        raise PermissionDeniedError
    code = _clean_code(actor.organisation_id, code)
    seat = Seat.objects.create(organisation_id=actor.organisation_id, code=code)
    record(actor=actor, action="create", target=seat, changes={"code": code})
    return seat


@transaction.atomic
def do_rename_seat(*, actor, seat: Seat, code: str, seen_at: datetime | None) -> Seat:
    """Rename a seat; refused if someone changed it since the page showed it."""
    locked = Seat.objects.select_for_update().get(pk=seat.pk)
    if not decide_seat(actor, locked).can_change:
        raise PermissionDeniedError
    if seen_at is not None and locked.updated_at != seen_at:
        raise ConflictError(
            0,
            _("Someone else changed this seat meanwhile: reload the page and try again."),
        )
    code = _clean_code(locked.organisation_id, code, exclude_pk=locked.pk)
    if code != locked.code:
        old, locked.code = locked.code, code
        locked.save(update_fields=["code", "updated_at"])
        record(actor=actor, action="update", target=locked, changes={"code": [old, code]})
    return locked


@transaction.atomic
def do_set_seat_in_use(*, actor, seat: Seat, in_use: bool) -> Seat:
    """Retire a seat (no new contact takes it) or put it back in use."""
    locked = Seat.objects.select_for_update().get(pk=seat.pk)
    if not decide_seat(actor, locked).can_change:
        raise PermissionDeniedError
    if locked.is_active != in_use:
        locked.is_active = in_use
        locked.save(update_fields=["is_active", "updated_at"])
        record(
            actor=actor,
            action="reactivate" if in_use else "retire",
            target=locked,
            changes={"is_active": [not in_use, in_use]},
        )
    return locked
