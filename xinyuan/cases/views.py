from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinyuan.cases import actions, selectors
from xinyuan.cases.access import access_person, access_reminder
from xinyuan.cases.actions.reminders import do_mark_reminder_read
from xinyuan.cases.forms import ManagementRuleForm, RevealForm
from xinyuan.cases.models import FollowUpEscalation, FollowUpStatus
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm, safe_next


@require_GET
@require_perm(permissions.PERFORM_FOLLOW_UPS, permissions.VIEW_ORG_CONTACTS)
def follow_up_list(request):
    now = timezone.now()
    # The list needs the person and the worker, not the contact (a row of clinical text).
    qs = (
        selectors.due_follow_ups(request.user)
        .select_related(None)
        .select_related("person", "assigned_to")
    )
    workers = []
    worker = request.GET.get("worker", "")
    if permissions.has_perm(request.user, permissions.VIEW_ORG_CONTACTS):
        workers = list(selectors.assignable_workers(request.user.organisation_id))
        chosen = next((w for w in workers if str(w.public_id) == worker), None)
        if chosen is not None:
            qs = qs.filter(assigned_to=chosen)
    teams = list(selectors.teams_visible_to(request.user))
    team = next((t for t in teams if str(t.public_id) == request.GET.get("team", "")), None)
    if team is not None:
        qs = selectors.team_follow_ups(qs, team)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        qs = qs.filter(due_at__lt=now)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    due = list(page.object_list)
    if not page.has_other_pages():
        overdue_count = sum(1 for f in due if f.due_at < now)
    elif only_overdue:
        overdue_count = page.paginator.count
    else:
        overdue_count = qs.filter(due_at__lt=now).count()
    # The days each shown follow-up was escalated: one query for the rows on the page.
    days = dict(
        FollowUpEscalation.objects.filter(follow_up_id__in=[f.pk for f in due])
        .values("follow_up_id")
        .annotate(n=Count("pk"))
        .values_list("follow_up_id", "n")
    )
    for follow_up in due:
        follow_up.escalation_days = days.get(follow_up.pk, 0)
    recent = list(
        selectors.follow_ups_visible_to(request.user)
        .select_related(None)
        .select_related("person", "assigned_to")
        .filter(done_at__isnull=False)
        .exclude(status=FollowUpStatus.SCHEDULED)
        .order_by("-done_at")[:30]
    )
    return render(
        request,
        "cases/follow_up_list.html",
        {
            "due": due,
            "overdue_count": overdue_count,
            "page": page,
            "query": {k: v for k, v in request.GET.items() if k != "page"},
            "workers": workers,
            "worker": worker,
            "teams": teams,
            "team": request.GET.get("team", ""),
            "only_overdue": only_overdue,
            "recent": recent,
            "now": now,
        },
    )


@require_POST
@require_perm(permissions.SET_MANAGEMENT_RULE)
def person_rule_save(request, public_id):
    access = access_person(request.user, public_id, require="can_set_management_rule")
    form = ManagementRuleForm(request.POST)
    if form.is_valid():
        actions.do_set_management_rule(
            actor=request.user, person=access.person, rule=form.cleaned_data["management_rule"]
        )
        messages.success(request, _("Management rule saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(safe_next(request, "hotline:workstation"))


@require_POST
@require_perm(permissions.REVEAL_CALLER_IDENTITY, permissions.PERFORM_FOLLOW_UPS)
def identity_reveal(request, public_id):
    access = access_person(request.user, public_id, require="can_reveal_identity")
    person = access.person
    form = RevealForm(request.POST)
    values = None
    if form.is_valid():
        values = [
            (
                identity.get_kind_display(),
                actions.do_reveal_identity(
                    actor=request.user, identity=identity, reason=form.cleaned_data["reason"]
                ),
            )
            for identity in person.identities.all()
        ]
    return render(
        request, "cases/partials/_reveal.html", {"person": person, "form": form, "values": values}
    )


@require_POST
@require_perm(permissions.PERFORM_FOLLOW_UPS, permissions.ACKNOWLEDGE_ALERTS)
def reminder_read(request, public_id):
    access = access_reminder(request.user, public_id)
    do_mark_reminder_read(actor=request.user, reminder=access.reminder)
    return redirect(safe_next(request, "hotline:workstation"))
