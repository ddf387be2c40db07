"""Recording a follow-up call (附件2): the outcome and a suicide-risk assessment by the same
rule as the contact. (The lists of due follow-ups are the cases app's.)"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinyuan.audit.actions import do_record_view
from xinyuan.cases.forms import FollowUpRecordForm
from xinyuan.cases.models import FollowUpStatus
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.hotline import actions, rules, selectors
from xinyuan.hotline.access import FollowUpAccess, access_follow_up
from xinyuan.hotline.forms import RiskAssessmentForm


@require_http_methods(["GET", "POST"])
@require_perm(permissions.PERFORM_FOLLOW_UPS, permissions.VIEW_ORG_CONTACTS)
def follow_up_record(request, public_id):
    access = access_follow_up(request.user, public_id)
    if request.method == "POST" and not access.can_record:
        raise PermissionDenied
    return follow_up_record_page(request, access)


def follow_up_record_page(request, access: FollowUpAccess, *, in_contact=None):
    """The follow-up form, shown and posted. ``in_contact``: the person rang in and this call
    is recorded as the follow-up (``views/returning.py``): the assessment starts from this
    call's own, and the counsellor goes back to the call afterwards."""
    follow_up = access.follow_up
    form = FollowUpRecordForm(request.POST or None, instance=follow_up)
    last = None
    if in_contact is not None:
        last = selectors.assessments_for(in_contact).last()
    last = last or selectors.last_assessment_of(follow_up.contact)
    if last is not None:
        last = copy.copy(last)
        last.pk = None  # a draft: the last answers, to be confirmed or changed
    risk_form = RiskAssessmentForm(request.POST or None, prefix="risk", instance=last)
    if request.method == "POST":
        status = request.POST.get("status")
        forms_ok = form.is_valid() and (status != FollowUpStatus.DONE or risk_form.is_valid())
        if forms_ok:
            assessment = None
            if status == FollowUpStatus.DONE:
                assessment = {
                    "factors": rules.RiskFactors(**risk_form.factor_kwargs()),
                    "final_level": risk_form.cleaned_data["final_level"] or None,
                    "override_reason": risk_form.cleaned_data["override_reason"],
                    "plan_method": risk_form.cleaned_data["plan_method"],
                    "means_detail": risk_form.cleaned_data["means_detail"],
                }
            data = {k: v for k, v in form.cleaned_data.items() if k != "status"}
            try:
                done = actions.do_record_follow_up(
                    actor=request.user,
                    follow_up=follow_up,
                    status=status,
                    data=data,
                    assessment=assessment,
                    in_contact=in_contact,
                )
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    target = risk_form if field in risk_form.fields else form
                    target.add_error(field if field in target.fields else None, msgs)
            else:
                if selectors.next_follow_up_of(done) is not None:
                    messages.warning(
                        request,
                        _(
                            "Still at risk or not reached: "
                            "the next follow-up is booked within 24 hours."
                        ),
                    )
                else:
                    messages.success(request, _("Follow-up recorded."))
                if in_contact is not None:
                    return redirect("hotline:contact-detail", public_id=in_contact.public_id)
                return redirect("cases:follow-up-list")
    # Shown (first, or again after a refused post): a read of the follow-up, audited.
    do_record_view(actor=request.user, target=follow_up)
    return render(
        request,
        "hotline/follow_up_record.html",
        {
            "access": access,
            "follow_up": follow_up,
            "form": form,
            "risk_form": risk_form,
            "last_assessment": last,
            "safety_plan": getattr(follow_up.contact, "safety_plan", None),
            "now": timezone.now(),
            "in_contact": in_contact,
        },
        status=422 if request.method == "POST" else 200,
    )
