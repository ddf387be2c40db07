"""Consent records (PR-04; PIPL separate consent, guardian consent under 14, withdrawal).

These write the person's consent rows and what a refusal or a withdrawal means for their
follow-ups. Consents are given during a contact: the hotline's actions
(``hotline/actions/consents.py``) decide who may record one on a contact and keep the
contact's recording field in step, then call these.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases.models import Consent, ConsentMethod, ConsentPurpose, FollowUp, FollowUpStatus
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError

UNDER_14 = "under_14"
WITHDRAWAL_NOTE_MAX = 300  # the column's length


def _check_actor(actor, contact) -> None:
    if actor.organisation_id != contact.organisation_id or not permissions.has_any(
        actor, permissions.HANDLE_CONTACTS, permissions.PERFORM_FOLLOW_UPS
    ):
        raise PermissionDeniedError


def check_consent(
    *,
    purpose: str,
    method: str,
    by_guardian: bool,
    guardian_relation: str,
    caller_under_14: bool,
) -> None:
    """What a consent record needs, in the caller's words (all problems at once)."""
    errors = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = _("Choose what the consent is for.")
    if method not in ConsentMethod.values:
        errors["method"] = _("Choose how the consent was given.")
    if by_guardian and not (guardian_relation or "").strip():
        errors["guardian_relation"] = _("Say who the guardian is (e.g. mother).")
    if caller_under_14 and not by_guardian:
        errors["by_guardian"] = _(
            "A child under 14 cannot consent or refuse alone: record the answer of a parent or "
            "guardian."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_add_consent(
    *,
    actor,
    contact,
    purpose: str,
    agreed: bool,
    method: str = ConsentMethod.VERBAL,
    by_guardian: bool = False,
    guardian_relation: str = "",
    caller_under_14: bool = False,
) -> Consent:
    """What the caller agreed to or refused, during ``contact``; a refusal of follow-ups cancels
    the scheduled ones."""
    _check_actor(actor, contact)
    check_consent(
        purpose=purpose,
        method=method,
        by_guardian=by_guardian,
        guardian_relation=guardian_relation,
        caller_under_14=caller_under_14,
    )
    relation = (guardian_relation or "").strip()
    consent = Consent.objects.create(
        organisation_id=contact.organisation_id,
        person_id=contact.person_id,
        contact=contact,
        purpose=purpose,
        agreed=agreed,
        method=method,
        by_guardian=by_guardian,
        guardian_relation=relation if by_guardian else "",
        given_at=timezone.now(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="consent",
        target=contact,
        changes={
            "consent_purpose": purpose,
            "agreed": agreed,
            "consent_method": method,
            "by_guardian": by_guardian,
        },
    )
    if not agreed and purpose == ConsentPurpose.FOLLOW_UP:
        do_cancel_follow_ups_after_refusal(actor=actor, consent=consent)
    return consent


@transaction.atomic
def do_cancel_follow_ups_after_refusal(*, actor, consent: Consent) -> int:
    """No call-back after the caller said no: scheduled follow-ups are cancelled, each audited.

    The counsellor is told how many (and the view says so); a high-risk caller's supervisor
    sees the cancellation in the contact's history."""
    _check_actor(actor, consent.contact)
    scope = {"person_id": consent.person_id} if consent.person_id else {"contact": consent.contact}
    cancelled = list(
        FollowUp.objects.select_for_update().filter(status=FollowUpStatus.SCHEDULED, **scope)
    )
    for follow_up in cancelled:
        follow_up.status = FollowUpStatus.CANCELLED
        follow_up.save(update_fields=["status", "updated_at"])
        record(
            actor=actor,
            action="update",
            target=follow_up,
            changes={"status": [FollowUpStatus.SCHEDULED, FollowUpStatus.CANCELLED]},
            reason="consent_withdrawn",
        )
    return len(cancelled)


@transaction.atomic
def do_mark_consent_withdrawn(*, actor, consent: Consent, note: str = "") -> int:
    """The caller withdraws a consent in force: respected from this moment (a follow-up
    consent cancels the scheduled follow-ups). Returns how many were cancelled."""
    _check_actor(actor, consent.contact)
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is not None or not locked.agreed:
        raise ValidationError(_("There is no consent in force to withdraw."))
    note = (note or "").strip()
    if len(note) > WITHDRAWAL_NOTE_MAX:
        raise ValidationError(
            {
                "note": _("What the caller said is too long (at most %(n)s characters).")
                % {"n": WITHDRAWAL_NOTE_MAX}
            }
        )
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor
    locked.withdrawal_note = note
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
    consent.withdrawn_at, consent.withdrawn_by = locked.withdrawn_at, actor
    consent.withdrawal_note = locked.withdrawal_note
    cancelled = 0
    if consent.purpose == ConsentPurpose.FOLLOW_UP:
        cancelled = do_cancel_follow_ups_after_refusal(actor=actor, consent=consent)
    record(
        actor=actor,
        action="consent_withdrawn",
        target=consent.contact,
        changes={"consent_purpose": consent.purpose, "follow_ups_cancelled": cancelled},
        reason=consent.withdrawal_note,
    )
    return cancelled
