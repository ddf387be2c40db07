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
    if contact.caller_age_group == UNDER_14 and not by_guardian:
        errors["by_guardian"] = _(
            "A child under 14 cannot consent or refuse alone: record the answer of a parent or "
            "guardian."
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
        _cancel_scheduled_follow_ups(consent, actor)
    if purpose == ConsentPurpose.RECORDING:
        set_contact_recording(actor=actor, contact=contact, agreed=agreed)
    return consent


# The contact's own recording field says what the switch and the counsellor go by; a consent
# record says when, how and by whom. Each change of one is written to the other, in the same
# transaction, so they never disagree.
RECORDING_AGREED, RECORDING_DECLINED = "notice_given", "declined"


def set_contact_recording(*, actor, contact, agreed: bool) -> None:
    """A recording consent (or its withdrawal) sets the contact's recording field, audited."""
    from xinyuan.hotline.models import Contact

    value = RECORDING_AGREED if agreed else RECORDING_DECLINED
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.recording_consent == value:
        return
    old = locked.recording_consent
    locked.version += 1
    locked.recording_consent = value
    locked.field_versions["recording_consent"] = locked.version
    locked.save(update_fields=["recording_consent", "field_versions", "version", "updated_at"])
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"recording_consent": [old, value]},
        reason="consent",
    )
    contact.recording_consent, contact.version = value, locked.version


def record_recording_answer(*, actor, contact, value: str) -> Consent | None:
    """The counsellor (or the switch) set the contact's recording field: the answer becomes a
    consent record too, unless the latest one for this contact already says the same."""
    if value not in (RECORDING_AGREED, RECORDING_DECLINED):
        return None
    agreed = value == RECORDING_AGREED
    if agreed and contact.caller_age_group == UNDER_14:
        raise ValidationError(
            {
                "recording_consent": _(
                    "A child under 14 cannot agree alone: record the guardian's answer under "
                    "Informed consent."
                )
            }
        )
    latest = (
        Consent.objects.filter(contact=contact, purpose=ConsentPurpose.RECORDING)
        .order_by("-given_at", "-pk")
        .first()
    )
    if latest is not None and latest.is_active == agreed:
        return None
    consent = Consent.objects.create(
        organisation_id=contact.organisation_id,
        person_id=contact.person_id,
        contact=contact,
        purpose=ConsentPurpose.RECORDING,
        agreed=agreed,
        method=ConsentMethod.VERBAL,
        given_at=timezone.now(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="consent",
        target=contact,
        changes={
            "consent_purpose": ConsentPurpose.RECORDING,
            "agreed": agreed,
            "consent_method": ConsentMethod.VERBAL,
            "by_guardian": False,
        },
    )
    return consent


def _cancel_scheduled_follow_ups(consent: Consent, actor) -> int:
    """No call-back after the caller said no: scheduled follow-ups are cancelled, each audited.

    The counsellor is told how many (and the view says so); a high-risk caller's supervisor
    sees the cancellation in the contact's history."""
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
def do_withdraw_consent(
    *, actor, consent: Consent, note: str = "", current_contact=None
) -> Consent:
    """The caller withdraws, possibly in a later contact (``current_contact``): respected from
    this moment (follow-ups are cancelled)."""
    if actor.organisation_id != consent.organisation_id or not (
        _may_record(actor, current_contact or consent.contact)
    ):
        raise PermissionDeniedError
    if current_contact is not None and not (
        consent.contact_id == current_contact.pk
        or (consent.person_id and consent.person_id == current_contact.person_id)
    ):
        raise PermissionDeniedError
    if consent.withdrawn_at is not None or not consent.agreed:
        raise ValidationError(_("There is no consent in force to withdraw."))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.withdrawal_note = (note or "").strip()[:300]
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
    cancelled = 0
    if consent.purpose == ConsentPurpose.FOLLOW_UP:
        cancelled = _cancel_scheduled_follow_ups(consent, actor)
    if consent.purpose == ConsentPurpose.RECORDING:
        # Respected from this moment: this contact and the one it is withdrawn in.
        for contact in {consent.contact, current_contact or consent.contact}:
            set_contact_recording(actor=actor, contact=contact, agreed=False)
    record(
        actor=actor,
        action="consent_withdrawn",
        target=consent.contact,
        changes={"consent_purpose": consent.purpose, "follow_ups_cancelled": cancelled},
        reason=consent.withdrawal_note,
    )
    return consent


def has_sharing_consent(contact) -> bool:
    """The caller's latest answer about sharing is yes and was not withdrawn (a later refusal
    overrides an earlier agreement)."""
    qs = Consent.objects.filter(purpose=ConsentPurpose.SHARING)
    qs = qs.filter(person_id=contact.person_id) if contact.person_id else qs.filter(contact=contact)
    latest = qs.order_by("-given_at", "-pk").first()
    return latest is not None and latest.is_active
