"""Confidentiality exceptions and disclosures (HL-11), public-safety escalation (HL-10)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases.selectors import has_sharing_consent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import AlertKind, Contact, Disclosure, DisclosureKind, RiskLevel


@transaction.atomic
def do_record_disclosure(
    *,
    actor,
    contact: Contact,
    kind: str,
    disclosed_to: str,
    reason: str,
    disclosed_at: datetime | None = None,
) -> Disclosure:
    if not decide_contact(actor, contact).can_disclose:
        raise PermissionDeniedError
    errors = {}
    if kind not in DisclosureKind.values:
        errors["kind"] = _("Choose the kind of disclosure.")
    if not (disclosed_to or "").strip():
        errors["disclosed_to"] = _("Say to whom the information was given.")
    if len((reason or "").strip()) < 5:
        errors["reason"] = _("Give the reason (at least 5 characters).")
    if kind == DisclosureKind.WITH_CONSENT:
        if not has_sharing_consent(contact):
            errors["kind"] = _(
                "There is no consent to share in force: record the caller's consent first, "
                "or choose the confidentiality exception that applies."
            )
    now = timezone.now()
    if disclosed_at is not None and disclosed_at > now:
        errors["disclosed_at"] = _("The time of the disclosure cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    disclosure = Disclosure.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        kind=kind,
        disclosed_to=disclosed_to.strip(),
        disclosed_at=disclosed_at or now,
        reason=reason.strip(),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="disclose",
        target=contact,
        changes={"kind": kind, "disclosed_to": disclosure.disclosed_to},
        reason=disclosure.reason,
    )
    if kind == DisclosureKind.PUBLIC_SAFETY:
        # Guide 一(四)2: the centre's head is told at once; the alert records who took it.
        from xinyuan.hotline.actions.risk import do_raise_alert

        do_raise_alert(
            actor=actor,
            contact=contact,
            level=contact.risk_level or RiskLevel.HIGH,
            kind=AlertKind.PUBLIC_SAFETY,
        )
    return disclosure
