"""Contacts in known states, built through actions so their invariants and audit trail hold."""

from __future__ import annotations

from xinyuan.hotline import actions, rules

HIGH_FACTORS = rules.RiskFactors(
    ideation=True,
    ideation_intensity=8,
    hopelessness=8,
    has_plan=True,
    plan_timing="within_72h",
    method_lethality="high",
    means_at_hand=True,
)
LOW_FACTORS = rules.RiskFactors(ideation=False)
# A safety plan holding what a high-risk contact needs to close (actions.SAFETY_PLAN_REQUIRED).
FULL_PLAN = {
    "warning_signs": "整夜失眠、反复想到死",
    "people_to_call": "姐姐 139xxxx",
    "medical_institutions": "市精神卫生中心急诊",
}


def start_contact(counsellor, **kwargs):
    kwargs.setdefault("channel", "phone")
    return actions.do_start_contact(actor=counsellor, **kwargs)


def high_risk_contact(counsellor, **kwargs):
    contact = start_contact(counsellor, **kwargs)
    actions.do_assess_risk(actor=counsellor, contact=contact, factors=HIGH_FACTORS)
    contact.refresh_from_db()
    return contact
