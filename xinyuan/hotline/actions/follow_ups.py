"""Follow-ups of a contact (HL-06): booked from the contact, recorded as a call with its own
suicide-risk assessment (附件2). The schedule, reminders and lists are the cases app's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.cases import actions as case_actions
from xinyuan.cases.actions.policy import do_book_next_by_policy, rebook_on_danger_ground
from xinyuan.cases.models import FollowUp, FollowUpStatus, Person, SafetyStatus
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline import rules
from xinyuan.hotline.access import decide_contact, decide_follow_up
from xinyuan.hotline.actions.risk import do_assess_risk
from xinyuan.hotline.models import Contact


@transaction.atomic
def do_book_follow_up(
    *, actor, contact: Contact, consent_given: bool, due_at=None, assigned_to=None
) -> FollowUp:
    """Book a follow-up from the contact: the contact's counsellor (or a duty lead), with the
    caller's consent, within 24 hours."""
    if not decide_contact(actor, contact).can_edit:
        raise PermissionDeniedError
    return case_actions.do_schedule_follow_up(
        actor=actor,
        contact=contact,
        consent_given=consent_given,
        due_at=due_at,
        assigned_to=assigned_to,
    )


@transaction.atomic
def do_record_follow_up(
    *,
    actor,
    follow_up: FollowUp,
    status: str,
    data: dict,
    assessment: dict | None = None,
    in_contact: Contact | None = None,
) -> FollowUp:
    """Record the outcome of a follow-up (附件2). A done follow-up carries a risk assessment by
    the same rule as the contact; if the final level is still high, the caller is at risk or
    was not reached, the next one is booked within 24 hours.

    ``in_contact``: the person rang in while the follow-up was due, and this call is the
    follow-up — recorded by the counsellor on that call (whoever it was assigned to), and the
    follow-up keeps which contact it was done in."""
    if not decide_follow_up(actor, follow_up, in_contact=in_contact).can_record:
        raise PermissionDeniedError
    case_actions.check_follow_up_outcome(status, data)
    if follow_up.status != FollowUpStatus.SCHEDULED:
        raise ValidationError({"status": _("This follow-up has already been recorded.")})
    if follow_up.person_id is not None:
        # The person's row first, then the follow-up's (as a merge of files takes them), so
        # recording a follow-up and merging its person's files never wait on each other.
        Person.objects.select_for_update().filter(pk=follow_up.person_id).first()
    risk = None
    if status == FollowUpStatus.DONE:
        if assessment is None:
            raise ValidationError(
                {"risk": _("A completed follow-up needs a suicide-risk assessment.")}
            )
        risk = do_assess_risk(actor=actor, follow_up=follow_up, **assessment)
    done = case_actions.do_complete_follow_up(
        actor=actor,
        follow_up=follow_up,
        status=status,
        data=data,
        risk_level=risk.final_level if risk is not None else "",
        answered_in=in_contact,
    )
    still_high = risk is not None and rules.is_high_risk(risk.final_level)
    unsafe = done.safety_status == SafetyStatus.AT_RISK
    if (still_high or unsafe or status == FollowUpStatus.UNREACHABLE) and not done.consent_given:
        # Booked on the danger ground of a high-risk report (no consent asked): the same
        # ground books the next one within 24 hours.
        rebook_on_danger_ground(actor=actor, done=done)
    elif still_high or unsafe or status == FollowUpStatus.UNREACHABLE:
        # Still high, unsafe or not reached: intervention continues, another one is booked.
        case_actions.do_schedule_follow_up(
            actor=actor,
            contact=done.contact,
            consent_given=done.consent_given,
            assigned_to=done.assigned_to,
            previous=done,
        )
    elif status == FollowUpStatus.DONE:
        # The result calls for nothing within 24 hours: the centre's policy books the next
        # (the schedule's next step, intensified visits, or the programme's interval).
        do_book_next_by_policy(actor=actor, done=done)
    return done
