"""Records of running the centre in known states, built through actions."""

from __future__ import annotations

from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact, start_contact


def closed_contact(counsellor, *, high_risk: bool = False, **kwargs):
    """A closed contact of ``counsellor``: a high-risk one with its assessment, safety plan
    and follow-up; otherwise one the caller ended before it was complete (no assessment)."""
    if high_risk:
        contact = high_risk_contact(counsellor, **kwargs)
        actions.do_save_safety_plan(actor=counsellor, contact=contact, data=FULL_PLAN)
        actions.do_book_follow_up(actor=counsellor, contact=contact, consent_given=True)
        contact.refresh_from_db()
        return actions.do_close_contact(
            actor=counsellor, contact=contact, version=contact.version, outcome="crisis"
        )
    contact = start_contact(counsellor, **kwargs)
    return actions.do_close_contact(
        actor=counsellor, contact=contact, version=contact.version, outcome="dropped"
    )
