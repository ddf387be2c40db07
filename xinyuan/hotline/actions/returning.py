"""The returning caller: carry the safety plan of their last contact into this one.

The plan is written through the safety plan's one write path (``do_save_safety_plan``: version,
field versions and the audit event together) and only into fields still empty here, so nothing
a counsellor already wrote in this contact's plan is replaced (docs/decisions/0011).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.actions.safety_plan import do_save_safety_plan
from xinyuan.hotline.models import Contact, SafetyPlan

# The plan itself; the handover note belongs to the call it was written in.
CARRIED_FIELDS = (
    "warning_signs",
    "coping_steps",
    "people_to_call",
    "medical_institutions",
    "referral_advice",
)


@dataclass(frozen=True)
class CarriedPlan:
    plan: SafetyPlan
    carried: tuple[str, ...]  # fields filled from the earlier plan
    kept: tuple[str, ...]  # fields this contact's plan already held, left as they were


@transaction.atomic
def do_carry_forward_safety_plan(*, actor, contact: Contact, source: SafetyPlan) -> CarriedPlan:
    """Copy the earlier plan ``source`` of the same caller into this contact's plan, into the
    fields still empty here. Refused when there is nothing to carry (every field the earlier plan
    holds is already filled here)."""
    if not decide_contact(actor, contact).can_edit:
        raise PermissionDeniedError
    earlier = source.contact
    if (
        contact.person_id is None
        or earlier.person_id != contact.person_id
        or earlier.organisation_id != contact.organisation_id
        or earlier.pk == contact.pk
    ):
        raise PermissionDeniedError
    current = SafetyPlan.objects.select_for_update().filter(contact=contact).first()
    carried, kept = [], []
    for name in CARRIED_FIELDS:
        value = getattr(source, name).strip()
        if not value:
            continue
        if current is not None and getattr(current, name).strip():
            kept.append(name)
        else:
            carried.append(name)
    if not carried:
        raise ValidationError(
            {
                "safety_plan": _(
                    "Nothing to carry forward: this contact's safety plan already holds every "
                    "part the last plan had. Edit it in the crisis protocol."
                )
            }
        )
    plan = do_save_safety_plan(
        actor=actor,
        contact=contact,
        data={name: getattr(source, name) for name in carried},
        version=current.version if current is not None else None,
    )
    record(
        actor=actor,
        action="carry_forward",
        target=plan,
        changes={"from_contact": earlier.number or str(earlier.public_id)},
    )
    return CarriedPlan(plan=plan, carried=tuple(carried), kept=tuple(kept))
