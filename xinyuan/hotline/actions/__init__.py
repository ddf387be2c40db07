"""Writes of the hotline: one module per concern; the public actions are named here.

Every action is atomic, asks ``hotline.access`` whether the actor may make it, and writes its
audit event in the same transaction (a contact and a safety plan through
``audit.versioned.write_versioned``).
"""

from xinyuan.hotline.actions.call_events import do_record_call_event
from xinyuan.hotline.actions.consents import do_record_consent, do_withdraw_consent
from xinyuan.hotline.actions.contacts import (
    EDITABLE_FIELDS,
    STAGE_FIELDS,
    close_problems,
    do_close_contact,
    do_end_call,
    do_end_harassment_contact,
    do_record_follow_up_declined,
    do_start_contact,
    do_update_contact,
    wrap_up_missing,
)
from xinyuan.hotline.actions.emergency import do_record_emergency_call
from xinyuan.hotline.actions.escalation import do_escalate_due_alerts
from xinyuan.hotline.actions.follow_ups import do_book_follow_up, do_record_follow_up
from xinyuan.hotline.actions.risk import (
    do_acknowledge_alert,
    do_assess_risk,
    do_raise_alert,
)
from xinyuan.hotline.actions.safety_plan import SAFETY_PLAN_FIELDS, do_save_safety_plan

__all__ = [
    "EDITABLE_FIELDS",
    "SAFETY_PLAN_FIELDS",
    "STAGE_FIELDS",
    "do_acknowledge_alert",
    "do_assess_risk",
    "do_book_follow_up",
    "do_record_call_event",
    "close_problems",
    "do_close_contact",
    "do_end_call",
    "do_end_harassment_contact",
    "do_escalate_due_alerts",
    "do_raise_alert",
    "do_record_consent",
    "do_record_emergency_call",
    "do_record_follow_up",
    "do_record_follow_up_declined",
    "do_save_safety_plan",
    "do_start_contact",
    "do_update_contact",
    "do_withdraw_consent",
    "wrap_up_missing",
]
