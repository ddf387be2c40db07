"""Consent records (PR-04; PIPL separate consent, guardian consent under 14, withdrawal)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases.models import Consent, ConsentMethod, ConsentPurpose, FollowUp, FollowUpStatus
from xinyuan.core.errors import PermissionDeniedError

UNDER_14 = "under_14"


def _may_record(actor, contact) -> bool:
    from xinyuan.hotline.actions import _can_edit

    return _can_edit(actor, contact)


@transaction.atomic
def do_record_consent(
    *,
    actor,
    contact,
    purpose: str,
    agreed: bool,
    method: str = ConsentMethod.VERBAL,
    by_guardian: bool = False,
    guardian_relation: str = "",
) -> Consent:
    """What the caller agreed to or refused, captured during a contact."""
    if not _may_record(actor, contact):
        raise PermissionDeniedError
    errors = {}
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = _("Choose what the consent is for.")
    if method not in ConsentMethod.values:
        errors["method"] = _("Choose how the consent was given.")
    relation = (guardian_relation or "").strip()
    if by_guardian and not relation:
        errors["guardian_relation"] = _("Say who the guardian is (e.g. mother).")
    if agreed and contact.caller_age_group == UNDER_14 and not by_guardian:
        errors["by_guardian"] = _(
            "A child under 14 cannot consent alone: record the consent of a parent or guardian."
        )
    if errors:
        raise ValidationError(errors)
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
        _cancel_scheduled_follow_ups(consent)
    return consent


def _cancel_scheduled_follow_ups(consent: Consent) -> int:
    """No call-back after the caller said no: scheduled follow-ups are cancelled."""
    scope = {"person_id": consent.person_id} if consent.person_id else {"contact": consent.contact}
    return FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, **scope).update(
        status=FollowUpStatus.CANCELLED
    )


@transaction.atomic
def do_withdraw_consent(*, actor, consent: Consent, note: str = "") -> Consent:
    """The caller withdraws: respected from this moment (follow-ups are cancelled)."""
    if not _may_record(actor, consent.contact) or actor.organisation_id != consent.organisation_id:
        raise PermissionDeniedError
    if consent.withdrawn_at is not None or not consent.agreed:
        raise ValidationError(_("There is no consent in force to withdraw."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.withdrawal_note = (note or "").strip()[:300]
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
    cancelled = 0
    if consent.purpose == ConsentPurpose.FOLLOW_UP:
        cancelled = _cancel_scheduled_follow_ups(consent)
    record(
        actor=actor,
        action="consent_withdrawn",
        target=consent.contact,
        changes={"consent_purpose": consent.purpose, "follow_ups_cancelled": cancelled},
        reason=consent.withdrawal_note,
    )
    return consent


def has_sharing_consent(contact) -> bool:
    """An agreed, not withdrawn consent to share, of this contact or its person."""
    qs = Consent.objects.filter(
        purpose=ConsentPurpose.SHARING, agreed=True, withdrawn_at__isnull=True
    )
    if contact.person_id:
        return qs.filter(person_id=contact.person_id).exists()
    return qs.filter(contact=contact).exists()
