"""Complaints and feedback (HL-15): sent by anyone through the public form beside the self-test
portal, or entered by a supervisor or director from a phone call or a letter; then handled —
an owner, received → being handled → resolved, the outcome — each step audited.

The public form is flood-limited like the portal: beyond ``FEEDBACK_DEVICE_LIMIT`` entries from
one device, or ``FEEDBACK_NETWORK_LIMIT`` from one network, within ``FEEDBACK_WINDOW_MINUTES``,
it refuses more (the page gives the hotline's number instead). Device and network are kept only
as keyed hashes. And beyond ``FEEDBACK_CENTRE_LIMIT`` public entries to one centre within the
window, from anywhere, it refuses too: a flood from many networks (an IPv6 /48 holds 65,536
/64s) cannot bury the centre's complaints list; a complaint is never urgent the way a call is,
and the refusal names the hotline."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts.models import Organisation
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.operations.access import decide_complaint
from xinyuan.operations.models import Complaint, ComplaintChannel, ComplaintKind, ComplaintStatus

log = logging.getLogger(__name__)

PUBLIC_TEXT_MAX_LENGTH = 2000
STAFF_TEXT_MAX_LENGTH = 5000
REPLY_TO_MAX_LENGTH = 100
OUTCOME_MAX_LENGTH = 5000
# Unambiguous letters and digits (no 0/O, 1/I/L) for a reference read out on the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class FloodLimited(ValidationError):
    """The public form's limit for this device or network is reached."""


@dataclass(frozen=True)
class FeedbackOrigin:
    """Keyed hashes of where a public entry came from ("" when unknown)."""

    device_hash: str = ""
    network_hash: str = ""


def _new_reference() -> str:
    for _attempt in range(10):
        reference = "F" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _i in range(7))
        if not Complaint.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free complaint reference")  # 31**7 codes: never in practice


def _check_entry(kind: str, text: str, reply_to: str, *, text_limit: int) -> dict:
    errors: dict[str, list[str]] = {}
    if kind not in ComplaintKind.values:
        errors["kind"] = [_("Choose complaint, suggestion or praise.")]
    if not text:
        errors["text"] = [_("Write what you want to tell us.")]
    elif len(text) > text_limit:
        errors["text"] = [
            _("At most %(limit)s characters; this has %(count)s.")
            % {"limit": text_limit, "count": len(text)}
        ]
    if len(reply_to) > REPLY_TO_MAX_LENGTH:
        errors["reply_to"] = [
            _("At most %(limit)s characters; this has %(count)s.")
            % {"limit": REPLY_TO_MAX_LENGTH, "count": len(reply_to)}
        ]
    return errors


def _check_flood(organisation, origin: FeedbackOrigin) -> None:
    """Refuse an entry from a device or network beyond its limit within the window. Entries of
    one centre are counted one at a time (a row lock on the centre, as the portal does)."""
    if not (origin.device_hash or origin.network_hash):
        return
    Organisation.objects.select_for_update(no_key=True).filter(pk=organisation.pk).values_list(
        "pk", flat=True
    ).get()
    since = timezone.now() - timedelta(minutes=settings.FEEDBACK_WINDOW_MINUTES)
    recent = Complaint.objects.filter(organisation=organisation, received_at__gte=since)
    centre_limit = settings.FEEDBACK_CENTRE_LIMIT
    if (
        centre_limit > 0
        and recent.filter(channel=ComplaintChannel.PUBLIC_FORM).count() >= centre_limit
    ):
        log.warning("public feedback form of centre %s at its limit", organisation.pk)
        raise FloodLimited(
            _(
                "We have received many messages in a short time. Please try again later, or call "
                "the hotline."
            )
        )
    for field, value, limit in (
        ("device_hash", origin.device_hash, settings.FEEDBACK_DEVICE_LIMIT),
        ("network_hash", origin.network_hash, settings.FEEDBACK_NETWORK_LIMIT),
    ):
        if value and limit > 0 and recent.filter(**{field: value}).count() >= limit:
            raise FloodLimited(
                _(
                    "We have received several messages from here in a short time. Please try "
                    "again later, or call the hotline."
                )
            )


@transaction.atomic
def do_submit_feedback(
    *, organisation, kind: str, text: str, reply_to: str = "", origin: FeedbackOrigin
) -> Complaint:
    """An entry of the public form (no sign-in). Returns it with its reference."""
    text = (text or "").strip()
    reply_to = " ".join((reply_to or "").split())
    errors = _check_entry(kind, text, reply_to, text_limit=PUBLIC_TEXT_MAX_LENGTH)
    if errors:
        raise ValidationError(errors)
    _check_flood(organisation, origin)
    complaint = Complaint.objects.create(
        organisation=organisation,
        kind=kind,
        channel=ComplaintChannel.PUBLIC_FORM,
        received_at=timezone.now(),
        text=text,
        reply_to=reply_to,
        reference=_new_reference(),
        device_hash=origin.device_hash,
        network_hash=origin.network_hash,
    )
    record(
        actor=None,
        action="create",
        target=complaint,
        changes={"kind": kind, "channel": complaint.channel, "reference": complaint.reference},
    )
    return complaint


@transaction.atomic
def do_record_complaint(
    *,
    actor,
    kind: str,
    channel: str,
    received_at: datetime,
    text: str,
    reply_to: str = "",
) -> Complaint:
    """An entry a supervisor or director takes by phone, letter or in person."""
    if not permissions.has_perm(actor, permissions.HANDLE_COMPLAINTS):
        raise PermissionDeniedError(_("Only supervisors and directors enter complaints."))
    text = (text or "").strip()
    reply_to = " ".join((reply_to or "").split())
    errors = _check_entry(kind, text, reply_to, text_limit=STAFF_TEXT_MAX_LENGTH)
    if channel not in ComplaintChannel.values or channel == ComplaintChannel.PUBLIC_FORM:
        errors["channel"] = [_("Choose how it was received.")]
    if received_at is None:
        errors["received_at"] = [_("Say when it was received.")]
    elif received_at > timezone.now() + timedelta(minutes=5):
        errors["received_at"] = [_("The time received cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    complaint = Complaint.objects.create(
        organisation_id=actor.organisation_id,
        kind=kind,
        channel=channel,
        received_at=received_at,
        text=text,
        reply_to=reply_to,
        reference=_new_reference(),
        entered_by=actor,
    )
    record(
        actor=actor,
        action="create",
        target=complaint,
        changes={
            "kind": kind,
            "channel": channel,
            "received_at": received_at,
            "reference": complaint.reference,
        },
    )
    return complaint


@transaction.atomic
def do_handle_complaint(
    *, actor, complaint: Complaint, owner, status: str, outcome: str = ""
) -> Complaint:
    """Set who handles the entry, its status and outcome. Resolving needs the outcome and sets
    the resolved date; reopening a resolved entry clears it. Taking it up without naming an
    owner makes the actor the owner."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not decide_complaint(actor, locked).can_handle:
        raise PermissionDeniedError(_("Only supervisors and directors handle complaints."))
    outcome = (outcome or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in ComplaintStatus.values:
        errors["status"] = [_("Choose a status.")]
    if owner is not None and (
        owner.organisation_id != locked.organisation_id
        or not owner.is_active
        or not permissions.has_perm(owner, permissions.HANDLE_COMPLAINTS)
    ):
        errors["owner"] = [_("Choose a supervisor or director of your centre.")]
    if status == ComplaintStatus.RESOLVED and not outcome:
        errors["outcome"] = [_("Write the outcome before marking it resolved.")]
    if len(outcome) > OUTCOME_MAX_LENGTH:
        errors["outcome"] = [
            _("At most %(limit)s characters; this has %(count)s.")
            % {"limit": OUTCOME_MAX_LENGTH, "count": len(outcome)}
        ]
    if errors:
        raise ValidationError(errors)
    if owner is None and status != ComplaintStatus.RECEIVED:
        owner = locked.owner or actor
    before = {
        "owner": locked.owner.work_name if locked.owner else "",
        "status": locked.status,
        "outcome": locked.outcome,
    }
    resolved_at = locked.resolved_at
    if status == ComplaintStatus.RESOLVED:
        resolved_at = resolved_at or timezone.now()
    else:
        resolved_at = None
    locked.owner, locked.status, locked.outcome, locked.resolved_at = (
        owner,
        status,
        outcome,
        resolved_at,
    )
    locked.save(update_fields=["owner", "status", "outcome", "resolved_at", "updated_at"])
    after = {"owner": owner.work_name if owner else "", "status": status, "outcome": outcome}
    changes: dict = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if resolved_at != complaint.resolved_at:
        changes["resolved_at"] = resolved_at
    record(actor=actor, action="update", target=locked, changes=changes)
    return locked
