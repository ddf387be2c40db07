"""The intervention plan's forms on the person's file (CM-03): set it up, change it, record a
session, end it. Like the file's other small forms (``file_views._posted``): on success back
to the file; bad input (422) or a stale version (409) shows the file again with the form as
typed and the reason."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinyuan.cases.access import access_file
from xinyuan.cases.actions import plans as plan_actions
from xinyuan.cases.file_forms import EndPlanForm, PlanForm, SessionForm
from xinyuan.cases.file_views import item_of_file, post_file_form
from xinyuan.cases.models import InterventionPlan
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def plan_new(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    return post_file_form(
        request,
        PlanForm,
        access,
        "plan_form",
        lambda d: plan_actions.do_create_plan(actor=request.user, person=access.person, data=d),
        _("Intervention plan saved."),
        anchor="#plan",
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def plan_update(request, public_id):
    plan, access = item_of_file(request, InterventionPlan, public_id)
    return post_file_form(
        request,
        PlanForm,
        access,
        ("plan_update", plan.public_id),
        lambda d: plan_actions.do_update_plan(
            actor=request.user, plan=plan, data=d, version=d["version"] or 0
        ),
        _("Intervention plan saved."),
        anchor="#plan",
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def plan_session(request, public_id):
    plan, access = item_of_file(request, InterventionPlan, public_id)
    return post_file_form(
        request,
        SessionForm,
        access,
        ("plan_session", plan.public_id),
        lambda d: plan_actions.do_record_session(actor=request.user, plan=plan, data=d),
        _("Session recorded."),
        anchor="#plan",
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def plan_end(request, public_id):
    plan, access = item_of_file(request, InterventionPlan, public_id)
    return post_file_form(
        request,
        EndPlanForm,
        access,
        ("plan_end", plan.public_id),
        lambda d: plan_actions.do_end_plan(
            actor=request.user,
            plan=plan,
            status=d["status"],
            outcome=d["outcome"],
            version=d["version"],
        ),
        _("Intervention plan ended."),
        anchor="#plan",
    )
