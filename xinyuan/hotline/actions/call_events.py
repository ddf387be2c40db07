"""Call events from the telephone switch: offered, answered, abandoned (接通率, speed of answer).

The switch reports each call's events with its own reference (``call_ref``). An event is
recorded once per (call, kind): the same report again returns the event already recorded
(the first report wins). Events with one reference within ``SAME_CALL_WINDOW`` (12 hours) are
one call; a switch that numbers its calls afresh each day may reuse a reference after that.

Every call counts once as offered (总呼入量): by its *offered* event. A switch that reports a
call answered or abandoned without having reported it offered gets its offered event recorded
with it (at the time the caller started waiting; audited as inferred), so the answer rate never
exceeds 100 % and the board and the reports count calls the same way, day by day.

The caller's number, when sent, only gives the area the call came
from (本地/外地来电, ``core/phone_areas.py``) and is then dropped: it is stored nowhere, not in
the event, not in the audit trail.

An answered event is linked to its contact (docs/decisions/0016-call-events-and-live-board.md):

1. the contact the switch names (``contact``: its public id, of the same centre); else
2. the centre's contact started with the same switch call ID (``Contact.external_call_id`` =
   ``call_ref``) within ``LINK_WINDOW`` of the event; else
3. none yet: a contact started later with that switch call ID links it then
   (``link_answered_call`` called by ``do_start_contact``).

A seat is never used to guess the contact: two calls in a row on one seat would be linked
wrongly and the statistics would quietly lie.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts.models import Organisation
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.phone_areas import UNKNOWN, caller_area
from xinyuan.hotline import selectors
from xinyuan.hotline.models import CallEvent, CallEventKind, Contact

# How far from the answered event a contact with the same switch call ID is looked for.
LINK_WINDOW = timedelta(hours=6)
# A switch's clock may run a little ahead; an event further in the future is refused.
FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_WAIT_SECONDS = 24 * 3600
CALL_REF_MAX_LENGTH = 64
# Events with the same reference this close in time are the same call.
SAME_CALL_WINDOW = timedelta(hours=12)


def _existing(
    organisation_id: int, call_ref: str, kind: str, occurred_at: datetime
) -> CallEvent | None:
    """The event of this kind already recorded for the same call (same reference within
    ``SAME_CALL_WINDOW``)."""
    return (
        CallEvent.objects.filter(
            organisation_id=organisation_id,
            call_ref=call_ref,
            kind=kind,
            occurred_at__gt=occurred_at - SAME_CALL_WINDOW,
            occurred_at__lt=occurred_at + SAME_CALL_WINDOW,
        )
        .select_related("seat", "contact")
        .order_by("occurred_at")
        .first()
    )


def _check(
    *,
    call_ref: str,
    kind: str,
    occurred_at: datetime | None,
    waited_seconds: int | None,
    contact: UUID | None,
    now: datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if not (call_ref or "").strip():
        errors["call_ref"] = [_("Give the switch's reference of the call.")]
    if kind not in CallEventKind.values:
        errors["kind"] = [_("The event must be offered, answered or abandoned.")]
    if occurred_at is None:
        errors["occurred_at"] = [_("Give the time of the event.")]
    elif occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("The time of the event lies in the future.")]
    if waited_seconds is not None and not 0 <= waited_seconds <= MAX_WAIT_SECONDS:
        errors["waited_seconds"] = [
            _("The time waited must be between 0 and %(max)s seconds.") % {"max": MAX_WAIT_SECONDS}
        ]
    if contact is not None and kind != CallEventKind.ANSWERED:
        errors["contact"] = [_("Only an answered call has a contact.")]
    if errors:
        raise ValidationError(errors)


def _linked_contact(actor, call_ref: str, occurred_at: datetime, public_id: UUID | None):
    if public_id is not None:
        found = selectors.contact_of_centre(actor.organisation_id, public_id)
        if found is None:
            raise ValidationError({"contact": _("Your centre has no contact with this id.")})
        return found
    return selectors.contact_for_switch_call(
        actor.organisation_id, call_ref, occurred_at - LINK_WINDOW, occurred_at + LINK_WINDOW
    )


@transaction.atomic
def do_record_call_event(
    *,
    actor,
    call_ref: str,
    kind: str,
    occurred_at: datetime | None,
    waited_seconds: int | None = None,
    seat_code: str | None = None,
    caller_number: str = "",
    contact: UUID | None = None,
) -> tuple[CallEvent, bool]:
    """Record one event the switch reports; returns ``(event, created)``. A repeat of the same
    call and kind returns the event already recorded (``created`` False) and writes nothing."""
    if not permissions.has_perm(actor, permissions.HANDLE_CONTACTS):
        raise PermissionDeniedError
    call_ref = (call_ref or "").strip()
    now = timezone.now()
    _check(
        call_ref=call_ref,
        kind=kind,
        occurred_at=occurred_at,
        waited_seconds=waited_seconds,
        contact=contact,
        now=now,
    )
    assert occurred_at is not None  # checked above
    existing = _existing(actor.organisation_id, call_ref, kind, occurred_at)
    if existing is not None:
        return existing, False
    seat = None
    if seat_code:
        seat = selectors.seat_of(actor, seat_code)
        if seat is None:
            raise ValidationError({"seat": _("Your centre has no seat with this code.")})
    linked: Contact | None = None
    if kind == CallEventKind.ANSWERED:
        linked = _linked_contact(actor, call_ref, occurred_at, contact)
    area = UNKNOWN
    if caller_number:
        local_code = (
            Organisation.objects.filter(pk=actor.organisation_id)
            .values_list("local_area_code", flat=True)
            .first()
        )
        area = caller_area(caller_number, local_code or "")
    event = CallEvent(
        organisation_id=actor.organisation_id,
        call_ref=call_ref,
        kind=kind,
        occurred_at=occurred_at,
        waited_seconds=waited_seconds,
        seat=seat,
        contact=linked,
        caller_area=area.area,
        is_local=area.is_local,
    )
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin leaves this transaction usable
            event.save(force_insert=True)
    except IntegrityError:
        twin = _existing(actor.organisation_id, call_ref, kind, occurred_at)
        if twin is None:
            raise
        return twin, False
    if kind != CallEventKind.OFFERED:
        _infer_offered(actor, event)
    record(
        actor=actor,
        action="create",
        target=event,
        changes={
            "call_ref": call_ref,
            "kind": kind,
            "occurred_at": occurred_at,
            "waited_seconds": waited_seconds,
            "seat": seat.code if seat is not None else None,
            "contact": str(linked.public_id) if linked is not None else None,
            "caller_area": area.area,
            "is_local": area.is_local,
        },
    )
    return event, True


def _infer_offered(actor, event: CallEvent) -> None:
    """A call answered or abandoned was offered: record its offered event if the switch has not
    (at the time the caller started waiting), so that it counts once in 总呼入量. A later report
    of the offer finds this one (the first report wins)."""
    started_waiting = event.occurred_at - timedelta(seconds=event.waited_seconds or 0)
    if _existing(event.organisation_id, event.call_ref, CallEventKind.OFFERED, started_waiting):
        return
    offered = CallEvent(
        organisation_id=event.organisation_id,
        call_ref=event.call_ref,
        kind=CallEventKind.OFFERED,
        occurred_at=started_waiting,
        caller_area=event.caller_area,
        is_local=event.is_local,
    )
    try:
        with transaction.atomic():
            offered.save(force_insert=True)
    except IntegrityError:
        return  # the switch's own report of the offer arrived at the same moment
    record(
        actor=actor,
        action="create",
        target=offered,
        changes={
            "call_ref": offered.call_ref,
            "kind": offered.kind,
            "occurred_at": offered.occurred_at,
            "inferred_from": event.kind,
            "caller_area": offered.caller_area,
            "is_local": offered.is_local,
        },
    )


def link_answered_call(*, contact: Contact) -> int:
    """Within the action that starts ``contact`` (its transaction, its audit event): link the
    centre's answered event of the same switch call that no contact holds yet. Returns how many
    were linked (0 or 1). One UPDATE through the (centre, call, kind) unique index."""
    call_ref = contact.external_call_id
    if not call_ref or len(call_ref) > CALL_REF_MAX_LENGTH:
        return 0
    return CallEvent.objects.filter(
        organisation_id=contact.organisation_id,
        call_ref=call_ref,
        kind=CallEventKind.ANSWERED,
        contact__isnull=True,
        occurred_at__gt=contact.started_at - LINK_WINDOW,
        occurred_at__lt=contact.started_at + LINK_WINDOW,
    ).update(contact=contact, updated_at=timezone.now())
