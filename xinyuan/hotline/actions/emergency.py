"""Emergency services contacted during a contact (HL-05: an act in progress or imminent risk).

One click records the call (when, who, which service, their reference) together with the
confidentiality exception it makes (HL-11: serious danger to the caller's own life).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.limits import check_length
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import (
    Contact,
    Disclosure,
    DisclosureKind,
    EmergencyCall,
    EmergencyService,
)


@transaction.atomic
def do_record_emergency_call(
    *,
    actor,
    contact: Contact,
    service: str,
    reference: str = "",
    called_at: datetime | None = None,
) -> EmergencyCall:
    if not decide_contact(actor, contact).can_disclose:
        raise PermissionDeniedError
    reference = (reference or "").strip()
    errors: dict[str, Any] = {}
    if service not in EmergencyService.values:
        errors["service"] = _("Choose the emergency service contacted.")
    try:
        check_length(reference, field="reference", label=_("their reference"), limit=100)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    now = timezone.now()
    if called_at is not None and called_at > now:
        errors["called_at"] = _("The time of the call cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    called_at = called_at or now
    service_label = str(EmergencyService(service).label)
    disclosed_to = f"{service_label} ({reference})" if reference else service_label
    reason = str(
        _(
            "Emergency services contacted during the contact: the caller's life was in serious "
            "danger (imminent risk or an act in progress)."
        )
    )
    disclosure = Disclosure.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        kind=DisclosureKind.DANGER_TO_SELF,
        disclosed_to=disclosed_to,
        disclosed_at=called_at,
        reason=reason,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="disclose",
        target=contact,
        changes={"kind": DisclosureKind.DANGER_TO_SELF, "disclosed_to": disclosed_to},
        reason=reason,
    )
    call = EmergencyCall.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        service=service,
        reference=reference,
        called_at=called_at,
        recorded_by=actor,
        disclosure=disclosure,
    )
    record(
        actor=actor,
        action="emergency_call",
        target=contact,
        changes={"service": service, "reference": reference, "called_at": called_at},
    )
    return call
