"""The caller's consents recorded during a contact (PR-04), kept in step with the contact's
recording field: each change of one writes the other, in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.audit.versioned import write_versioned
from xinyuan.cases.actions.consent import (
    UNDER_14,
    do_add_consent,
    do_mark_consent_withdrawn,
)
from xinyuan.cases.models import Consent, ConsentMethod, ConsentPurpose
from xinyuan.cases.selectors import latest_consent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import Contact, RecordingConsent

RECORDING_AGREED, RECORDING_DECLINED = RecordingConsent.NOTICE_GIVEN, RecordingConsent.DECLINED


def _require_edit(actor, contact: Contact) -> None:
    if not decide_contact(actor, contact).can_edit:
        raise PermissionDeniedError


@transaction.atomic
def do_record_consent(
    *,
    actor,
    contact: Contact,
    purpose: str,
    agreed: bool,
    method: str = ConsentMethod.VERBAL,
    by_guardian: bool = False,
    guardian_relation: str = "",
) -> Consent:
    """What the caller (or a minor's guardian) agreed to or refused, in this contact."""
    _require_edit(actor, contact)
    consent = do_add_consent(
        actor=actor,
        contact=contact,
        purpose=purpose,
        agreed=agreed,
        method=method,
        by_guardian=by_guardian,
        guardian_relation=guardian_relation,
        caller_under_14=contact.caller_age_group == UNDER_14,
    )
    if purpose == ConsentPurpose.RECORDING:
        set_contact_recording(actor=actor, contact=contact, agreed=agreed)
    return consent


def set_contact_recording(*, actor, contact: Contact, agreed: bool) -> None:
    """A recording consent (or its withdrawal) sets the contact's recording field, through the
    contact's write path (called inside a consent action's transaction)."""
    locked = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    value = RECORDING_AGREED if agreed else RECORDING_DECLINED
    write_versioned(
        actor=actor,
        locked=locked,
        changes={"recording_consent": value},
        version=None,
        reason="consent",
    )
    contact.recording_consent, contact.version = locked.recording_consent, locked.version
    contact.field_versions = locked.field_versions


def record_recording_answer(*, actor, contact: Contact, value: str) -> Consent | None:
    """The counsellor (or the switch) set the contact's recording field: the answer becomes a
    consent record too, unless the latest one for this contact already says the same. Called
    inside the contact's write (``actions.contacts``)."""
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
    latest = latest_consent(contact, ConsentPurpose.RECORDING)
    if latest is not None and latest.is_active == agreed:
        return None
    return do_add_consent(
        actor=actor,
        contact=contact,
        purpose=ConsentPurpose.RECORDING,
        agreed=agreed,
        method=ConsentMethod.VERBAL,
    )


@transaction.atomic
def do_withdraw_consent(
    *, actor, consent: Consent, note: str = "", current_contact: Contact | None = None
) -> Consent:
    """The caller withdraws, possibly in a later contact (``current_contact``): respected from
    this moment (follow-ups are cancelled; recording stops in that contact and this one)."""
    contact = current_contact or consent.contact
    _require_edit(actor, contact)
    if consent.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    if current_contact is not None and not (
        consent.contact_id == current_contact.pk
        or (consent.person_id and consent.person_id == current_contact.person_id)
    ):
        raise PermissionDeniedError
    do_mark_consent_withdrawn(actor=actor, consent=consent, note=note)
    if consent.purpose == ConsentPurpose.RECORDING:
        for each in {consent.contact, contact}:
            set_contact_recording(actor=actor, contact=each, agreed=False)
    return consent
