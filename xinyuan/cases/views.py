import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.audit.actions import do_record_view
from xinyuan.cases import actions, selectors
from xinyuan.cases.actions.reminders import do_mark_reminder_read
from xinyuan.cases.forms import FollowUpRecordForm, ManagementRuleForm, RevealForm
from xinyuan.cases.models import FollowUpStatus
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.views_helpers import require_perm, safe_next
from xinyuan.hotline import rules
from xinyuan.hotline.clinical_text import notes_access
from xinyuan.hotline.forms import RiskAssessmentForm
from xinyuan.hotline.models import RiskAssessment
from xinyuan.hotline.selectors import contacts_visible_to


@require_GET
@require_perm(permissions.PERFORM_FOLLOW_UPS, permissions.VIEW_ORG_CONTACTS)
def follow_up_list(request):
    now = timezone.now()
    due = list(selectors.due_follow_ups(request.user)[:200])
    recent = list(
        selectors.follow_ups_visible_to(request.user)
        .exclude(status=FollowUpStatus.SCHEDULED)
        .order_by("-done_at")[:30]
    )
    return render(
        request,
        "cases/follow_up_list.html",
        {
            "due": due,
            "overdue_count": sum(1 for f in due if f.due_at < now),
            "recent": recent,
            "now": now,
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.PERFORM_FOLLOW_UPS, permissions.VIEW_ORG_CONTACTS)
def follow_up_record(request, public_id):
    follow_up = get_object_or_404(
        selectors.follow_ups_visible_to(request.user), public_id=public_id
    )
    can_record = permissions.has_perm(request.user, permissions.PERFORM_FOLLOW_UPS)
    if request.method == "GET":
        do_record_view(actor=request.user, target=follow_up)
    form = FollowUpRecordForm(request.POST or None, instance=follow_up)
    # Two indexed reads instead of one OR across a join (which scanned every assessment).
    candidates = [
        RiskAssessment.objects.filter(**where).order_by("-created_at", "-id").first()
        for where in ({"contact": follow_up.contact}, {"follow_up__contact": follow_up.contact})
    ]
    last = max(
        (a for a in candidates if a is not None),
        key=lambda a: (a.created_at, a.id),
        default=None,
    )
    if last is not None:
        last = copy.copy(last)
        last.pk = None  # a draft: the last answers, to be confirmed or changed
    risk_form = RiskAssessmentForm(request.POST or None, prefix="risk", instance=last)
    if request.method == "POST":
        if not can_record or follow_up.status != FollowUpStatus.SCHEDULED:
            raise PermissionDenied
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
                )
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    target = risk_form if field in risk_form.fields else form
                    target.add_error(field if field in target.fields else None, msgs)
            except PermissionDeniedError as exc:
                raise PermissionDenied from exc
            else:
                if hasattr(done, "next_follow_up"):
                    messages.warning(
                        request,
                        _(
                            "Still at risk or not reached: "
                            "the next follow-up is booked within 24 hours."
                        ),
                    )
                else:
                    messages.success(request, _("Follow-up recorded."))
                return redirect("cases:follow-up-list")
    return render(
        request,
        "cases/follow_up_record.html",
        {
            "follow_up": follow_up,
            "form": form,
            "risk_form": risk_form,
            "can_record": can_record and follow_up.status == FollowUpStatus.SCHEDULED,
            "last_assessment": last,
            "can_reveal": follow_up.person is not None
            and actions.may_reveal(request.user, follow_up.person),
            "safety_plan": getattr(follow_up.contact, "safety_plan", None),
            "notes": notes_access(request, follow_up.contact),
            "can_open_contact": contacts_visible_to(request.user)
            .filter(pk=follow_up.contact_id)
            .exists(),
            "now": timezone.now(),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@require_perm(permissions.SET_MANAGEMENT_RULE)
def person_rule_save(request, public_id):
    person = get_object_or_404(selectors.persons_visible_to(request.user), public_id=public_id)
    form = ManagementRuleForm(request.POST)
    if form.is_valid():
        actions.do_set_management_rule(
            actor=request.user, person=person, rule=form.cleaned_data["management_rule"]
        )
        messages.success(request, _("Management rule saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(safe_next(request, "hotline:workstation"))


@require_POST
@require_perm(permissions.REVEAL_CALLER_IDENTITY, permissions.PERFORM_FOLLOW_UPS)
def identity_reveal(request, public_id):
    person = get_object_or_404(selectors.persons_visible_to(request.user), public_id=public_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "cases/partials/_reveal.html",
            {"person": person, "form": form, "values": None},
        )
    if not actions.may_reveal(request.user, person):
        raise PermissionDenied
    values = []
    try:
        for identity in selectors.identities_visible_to(request.user).filter(person=person):
            values.append(
                (
                    identity.get_kind_display(),
                    actions.do_reveal_identity(
                        actor=request.user, identity=identity, reason=form.cleaned_data["reason"]
                    ),
                )
            )
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    return render(
        request, "cases/partials/_reveal.html", {"person": person, "form": form, "values": values}
    )


@require_POST
@require_perm(permissions.PERFORM_FOLLOW_UPS, permissions.ACKNOWLEDGE_ALERTS)
def reminder_read(request, public_id):
    reminder = get_object_or_404(selectors.reminders_visible_to(request.user), public_id=public_id)
    try:
        do_mark_reminder_read(actor=request.user, reminder=reminder)
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    return redirect(safe_next(request, "hotline:workstation"))
