"""The centre's care teams (CM-08): the list with each team's caseload, a new team, and a
team's page to change its name, purpose, leader, members or to make it inactive. Kept by those
who assign files (supervisors, directors). Bad input comes back as typed (422), a stale version
with the reason (409)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xinyuan.cases import selectors
from xinyuan.cases.actions import teams as team_actions
from xinyuan.cases.file_forms import TeamForm
from xinyuan.cases.models import CareTeam
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError
from xinyuan.core.views_helpers import add_form_errors, require_perm


def _save(request, form, workers, *, team=None):
    """Run the team form through the action; True when saved."""
    if not form.is_valid():
        return False, 422
    by_id = {str(w.public_id): w for w in workers}
    data = {
        **form.cleaned_data,
        "leader": by_id.get(form.cleaned_data["leader"]),
        "members": [by_id[m] for m in form.cleaned_data["members"] if m in by_id],
    }
    try:
        team_actions.do_save_team(
            actor=request.user, data=data, team=team, version=form.cleaned_data["version"] or 0
        )
    except ConflictError as exc:
        form.add_error(None, exc.message)
        return False, 409
    except ValidationError as exc:
        add_form_errors(form, exc)
        return False, 422
    return True, 200


@require_http_methods(["GET", "POST"])
@require_perm(permissions.ASSIGN_CASES)
def team_list(request):
    workers = list(selectors.assignable_workers(request.user.organisation_id))
    form = TeamForm(request.POST or None, workers=workers, initial={"is_active": True})
    status = 200
    if request.method == "POST":
        saved, status = _save(request, form, workers)
        if saved:
            messages.success(request, _("Team saved."))
            return redirect("cases:team-list")
    members: dict[int, list] = {}
    for row in (
        selectors.active_members(request.user.organisation_id)
        .select_related("user")
        .order_by("user__alias", "user__username")
    ):
        members.setdefault(row.careteam_id, []).append(row.user)
    caseload = selectors.team_caseload(request.user)
    for row in caseload:
        row["member_list"] = members.get(row["team"].pk, [])
    inactive = list(
        selectors.teams_of_centre(request.user.organisation_id, active_only=False).filter(
            is_active=False
        )
    )
    return render(
        request,
        "cases/team_list.html",
        {
            "caseload": caseload,
            "inactive": inactive,
            "form": form,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.ASSIGN_CASES)
def team_edit(request, public_id):
    team = (
        CareTeam.objects.filter(public_id=public_id, organisation_id=request.user.organisation_id)
        .select_related("leader")
        .first()
    )
    if team is None:
        raise Http404
    workers = list(selectors.assignable_workers(request.user.organisation_id))
    initial = {
        "version": team.version,
        "name": team.name,
        "purpose": team.purpose,
        "leader": str(team.leader.public_id) if team.leader_id else "",
        "members": [str(u.public_id) for u in team.members.all()],
        "is_active": team.is_active,
    }
    form = TeamForm(request.POST or None, workers=workers, initial=initial)
    status = 200
    if request.method == "POST":
        saved, status = _save(request, form, workers, team=team)
        if saved:
            messages.success(request, _("Team saved."))
            return redirect("cases:team-list")
    return render(request, "cases/team_edit.html", {"form": form, "team": team}, status=status)
