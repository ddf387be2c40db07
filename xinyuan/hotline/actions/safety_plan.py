"""The crisis protocol's safety plan (HL-05): one per contact, autosaved from the page."""

from __future__ import annotations

from django.db import transaction

from xinyuan.audit.actions import record
from xinyuan.audit.versioned import write_versioned
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import Contact, SafetyPlan

SAFETY_PLAN_FIELDS = (
    "warning_signs",
    "coping_steps",
    "people_to_call",
    "medical_institutions",
    "referral_advice",
    "handover_note",
)


@transaction.atomic
def do_save_safety_plan(
    *, actor, contact: Contact, data: dict[str, str], version: int | None = None
) -> SafetyPlan:
    """Save the plan's fields as edited on ``version`` of the plan (0 or None: the page had no
    plan yet). Two people editing the plan never silently erase each other's fields: a field
    someone else changed since that version is refused (ConflictError), the others merge."""
    if not decide_contact(actor, contact).can_edit:
        raise PermissionDeniedError
    plan, created = SafetyPlan.objects.select_for_update().get_or_create(
        contact=contact, defaults={"organisation_id": contact.organisation_id}
    )
    if created:
        record(actor=actor, action="create", target=plan, changes={})
        # A page opened before the plan existed made its changes on "no plan": version 1.
        version = plan.version if not version else version
    changes = {name: (data[name] or "").strip() for name in SAFETY_PLAN_FIELDS if name in data}
    write_versioned(actor=actor, locked=plan, changes=changes, version=version or 1)
    return plan
