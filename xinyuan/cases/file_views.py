"""The person's file pages (一人一档, CM-01): the list and caseload, the file with its one
timeline, the forms that write in it (basic information, level, status, assignment, notes),
referrals (CM-05), high-risk reports to the community (CM-06), the printable PDF.

Every open of a file is audited (a ``view`` event naming the person). A form with bad input is
shown again with what was typed and the reasons (422), a stale version with the current one
(409); nothing typed is lost."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.audit.actions import do_record_export, do_record_view
from xinyuan.cases import rules, selectors, timeline
from xinyuan.cases.access import access_file
from xinyuan.cases.actions import files as file_actions
from xinyuan.cases.actions import merge as merge_actions
from xinyuan.cases.actions import policy as policy_actions
from xinyuan.cases.file_forms import (
    AcknowledgeForm,
    AssignForm,
    BookFollowUpForm,
    CloseReportForm,
    CommunityReportForm,
    EndPlanForm,
    FileForm,
    FollowUpPolicyForm,
    LevelForm,
    MergeForm,
    NeedForm,
    NeedStatusForm,
    NoteForm,
    PlanForm,
    ReferralForm,
    ReferralStatusForm,
    RevealDetailsForm,
    SessionForm,
    StatusForm,
)
from xinyuan.cases.models import (
    CaseStatus,
    CommunityReport,
    Consent,
    InterventionApproach,
    InterventionLevel,
    NeedStatus,
    PersonMerge,
    PlanStatus,
    PopulationCategory,
    PracticalNeed,
    Referral,
    ReferralStatus,
)
from xinyuan.core import permissions
from xinyuan.core.downloads import attachment
from xinyuan.core.errors import ConflictError
from xinyuan.core.exports import PDF_FONTS
from xinyuan.core.views_helpers import add_form_errors, require_perm
from xinyuan.directory.selectors import active_institutions

PAGE_SIZE = 50
TIMELINE_PAGE = 50
PDF_MAX_ITEMS = 5000


@require_GET
@require_perm(permissions.VIEW_CASE_FILES)
def file_list(request):
    """The files the user may see, searched and filtered; the caseload per worker for those
    who assign files."""
    qs = selectors.files_visible_to(request.user)
    status = request.GET.get("status", "")
    level = request.GET.get("level", "")
    category = request.GET.get("category", "")
    mine = request.GET.get("mine") == "1"
    teams = list(selectors.teams_visible_to(request.user))
    team = next((t for t in teams if str(t.public_id) == request.GET.get("team", "")), None)
    qs = selectors.filter_files(
        qs,
        q=request.GET.get("q", "")[:100],
        status=status if status in CaseStatus.values else "",
        level=int(level) if level in ("1", "2", "3", "4") else None,
        category=category if category in PopulationCategory.values else "",
        assigned_to_id=request.user.pk if mine else None,
        team_id=team.pk if team else None,
    )
    page = Paginator(qs.select_related("team"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/file_list.html",
        {
            "page": page,
            "statuses": [c for c in CaseStatus.choices if c[0]],
            "levels": InterventionLevel.choices,
            "categories": PopulationCategory.choices,
            "teams": teams,
            "caseload": selectors.caseload(request.user)
            if permissions.has_perm(request.user, permissions.ASSIGN_CASES)
            else None,
            "query": request.GET,
            "can_assign": permissions.has_perm(request.user, permissions.ASSIGN_CASES),
        },
    )


def _timeline_page(request, access):
    only = [k for k in request.GET.getlist("kind") if k in timeline.SOURCES]
    before = None
    if request.GET.get("before"):
        try:
            before = timeline.Cursor.decode(request.GET["before"])
        except ValidationError as exc:
            raise Http404 from exc
    items, next_cursor = timeline.timeline(
        request.user, access.person, only=only, before=before, limit=TIMELINE_PAGE
    )
    return only, items, next_cursor


def _file_context(request, access, **forms) -> dict:
    person = access.person
    only, items, next_cursor = _timeline_page(request, access)
    version = {"version": person.file_version}
    workers = list(selectors.assignable_workers(person.organisation_id))
    now = timezone.now()
    referrals = selectors.referrals_of(person)
    for referral in referrals:
        since = referral.accepted_at or referral.sent_at
        referral.is_overdue = rules.referral_overdue(referral.status, referral.urgency, since, now)
        referral.next_statuses = [
            (s, ReferralStatus(s).label)
            for s in ("accepted", "seen", "closed", "rejected")
            if rules.referral_can_move(referral.status, s)
        ]
    # A refused form of one item (a referral's status, a report's acknowledgement, a need's
    # status) is shown again on its item with what was typed and why.
    # When its item no longer offers the form (the report was acknowledged or closed meanwhile,
    # the referral ended, the need is not among the newest), it is shown at the top instead.
    item_forms = forms.get("item_forms") or {}
    placed: set = set()

    def place(key, offered: bool = True):
        if offered and key in item_forms:
            placed.add(key)
            return item_forms[key]
        return None

    for referral in referrals:
        referral.status_form = place(
            ("referral", str(referral.public_id)), bool(referral.next_statuses)
        )
    reports = selectors.open_community_reports(person)
    for report in reports:
        report.ack_form = place(
            ("report_ack", str(report.public_id)), report.acknowledged_at is None
        )
        report.close_form = place(("report_close", str(report.public_id)))
    needs = list(person.needs.select_related("institution").order_by("-created_at")[:50])
    for need in needs:
        need.status_form = place(("need", str(need.public_id)))
    plan = _plan_context(person, now, forms, place)
    unplaced = [_typed(form) for key, form in item_forms.items() if key not in placed]
    labels = dict(PopulationCategory.choices)
    # The person's consents (recorded in their contacts): the latest of each purpose.
    latest = Consent.objects.filter(person=OuterRef("person"), purpose=OuterRef("purpose"))
    consents = list(
        Consent.objects.filter(person=person)
        .annotate(latest=Subquery(latest.order_by("-given_at", "-pk").values("pk")[:1]))
        .filter(pk=F("latest"))
        .select_related("contact")
        .order_by("purpose")
    )
    return {
        **plan,
        "consents": consents,
        "reads_clinical": permissions.has_perm(request.user, permissions.READ_CLINICAL_NOTES),
        "unplaced_forms": unplaced,
        "person": person,
        "access": access,
        "name": file_actions.person_name(person),
        "categories": [labels.get(c, c) for c in person.population_categories],
        "is_minor": rules.is_minor(person.birth_year, timezone.localdate().year),
        "items": items,
        "only": only,
        "kinds": timeline.kinds(),
        "next_cursor": next_cursor.encode() if next_cursor else "",
        "referrals": referrals,
        "reports": reports,
        "duplicates": selectors.likely_duplicates(request.user, person),
        "level_form": forms.get("level_form")
        or LevelForm(initial={**version, "level": person.intervention_level}),
        "status_form": forms.get("status_form") or StatusForm(initial=version),
        "next_statuses": [
            (s, CaseStatus(s).label)
            for s in sorted(rules.STATUS_TRANSITIONS.get(person.case_status, ()))
        ],
        "assign_form": forms.get("assign_form")
        or AssignForm(
            initial={
                **version,
                "worker": str(person.assigned_to.public_id) if person.assigned_to else "",
                "team": str(person.team.public_id) if person.team_id else "",
            },
            workers=workers,
            teams=_assignable_teams(person) if access.can_assign else (),
        ),
        "note_form": forms.get("note_form") or NoteForm(),
        "book_form": forms.get("book_form")
        or BookFollowUpForm(
            initial={
                "assigned_to": str(person.assigned_to.public_id) if person.assigned_to else "",
                "due_at": timezone.localtime(now + timedelta(days=7)).replace(
                    minute=0, second=0, microsecond=0
                ),
            },
            workers=workers,
        ),
        "scheduled": list(
            person.follow_ups.filter(status="scheduled")
            .select_related("assigned_to")
            .order_by("due_at")
        ),
        "now": now,
        "merge_form": forms.get("merge_form") or MergeForm(),
        "need_form": forms.get("need_form")
        or NeedForm(institutions=list(active_institutions(request.user))),
        "needs": needs,
        "need_statuses": NeedStatus.choices,
        "merges": [
            (m, rules.merge_undo_until(m.created_at)) for m in selectors.recent_merges(person)
        ],
        "merged_into": person.merged_into if person.merged_into_id else None,
        "reveal_form": forms.get("reveal_form") or RevealDetailsForm(),
        "revealed": forms.get("revealed"),
    }


def _typed(form):
    """A refused form shown at the top of the page: its errors, and what was typed, a choice
    by its label (not its code)."""
    typed = []
    for field in form.visible_fields():
        value = field.value()
        if value in (None, "", []):
            continue
        choices = dict(getattr(field.field, "choices", ()) or ())
        values = value if isinstance(value, list) else [value]
        typed.append((field.label, "、".join(str(choices.get(v, v)) for v in values)))
    form.typed = typed
    return form


def _assignable_teams(person) -> list:
    """The centre's active teams, and the file's own team even if it became inactive (so that
    changing the worker does not drop it unasked)."""
    teams = list(selectors.teams_of_centre(person.organisation_id))
    if person.team is not None and not person.team.is_active:
        teams.append(person.team)
    return teams


def _plan_context(person, now, forms, place) -> dict:
    """The intervention plan's card (CM-03): the active plan with its sessions so far, the
    plans that ended, and the forms. A refused form of a plan is shown on the card only if
    that plan is still the active one (``place``); else at the top of the page."""
    plans = list(
        person.plans.select_related("created_by")
        .annotate(session_count=Count("sessions"), session_minutes=Sum("sessions__minutes"))
        .order_by("-created_at", "-pk")[:10]
    )
    active = next((plan for plan in plans if plan.status == PlanStatus.ACTIVE), None)
    sessions = []
    if active is not None:
        sessions = list(active.sessions.select_related("by").order_by("-held_at", "-pk")[:5])
        initial = {
            "version": active.version,
            "approaches": active.approaches,
            "goals": active.goals,
            "planned_sessions": active.planned_sessions,
            "review_on": active.review_on,
        }
    else:
        initial = {}
    key = str(active.public_id) if active else ""
    refused_update = place(("plan_update", key), active is not None)
    refused_session = place(("plan_session", key), active is not None)
    refused_end = place(("plan_end", key), active is not None)
    return {
        "plans": plans,
        "approach_choices": InterventionApproach.choices,
        "active_plan": active,
        "plan_sessions": sessions,
        "plan_review_due": bool(
            active and active.review_on and active.review_on <= timezone.localdate()
        ),
        "plan_form": refused_update or forms.get("plan_form") or PlanForm(initial=initial),
        "session_form": refused_session
        or SessionForm(
            initial={
                "held_at": timezone.localtime(now).replace(second=0, microsecond=0),
                "approach": active.approaches[0] if active and active.approaches else "",
                "minutes": 50,
            }
        ),
        "end_plan_form": refused_end
        or EndPlanForm(initial={"version": active.version if active else 0}),
    }


@require_GET
@require_perm(permissions.VIEW_CASE_FILES)
def file_detail(request, public_id):
    access = access_file(request.user, public_id)
    if not request.GET.get("before"):  # the first page is the open; later pages are paging
        do_record_view(actor=request.user, target=access.person, fields=("file",))
    if request.headers.get("HX-Request") and request.GET.get("partial") == "timeline":
        context = _file_context(request, access)
        return render(request, "cases/partials/_timeline.html", context)
    return render(request, "cases/file_detail.html", _file_context(request, access))


def _rerender(request, access, status: int, **forms):
    """The file again (a form refused, or details revealed): a view of the file like any."""
    do_record_view(actor=request.user, target=access.person, fields=("file",))
    return render(
        request, "cases/file_detail.html", _file_context(request, access, **forms), status=status
    )


def _back(person, anchor: str = ""):
    return redirect(reverse("cases:file-detail", args=[person.public_id]) + anchor)


@require_http_methods(["GET", "POST"])
@require_perm(permissions.EDIT_CASE_FILES)
def file_edit(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    person = access.person
    initial = {
        "version": person.file_version,
        "alias": person.alias,
        "gender": person.gender,
        "birth_year": person.birth_year or "",
        "street": person.street,
        "community": person.community,
        "guardian_relation": person.guardian_relation,
        "population_categories": person.population_categories,
        "self_evaluation": person.self_evaluation,
        "life_events": person.life_events,
        "counselling_advice": person.counselling_advice,
    }
    form = FileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                file_actions.do_update_file(
                    actor=request.user,
                    person=person,
                    data=form.cleaned_data,
                    version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("File saved."))
                return _back(person)
    return render(
        request,
        "cases/file_edit.html",
        {
            "form": form,
            "person": person,
            "name": file_actions.person_name(person),
            "has_contact_details": bool(person.contact_details_encrypted),
            "has_guardian": bool(person.guardian_encrypted),
        },
        status=status,
    )


def post_file_form(
    request, form_class, access, name: str, run, success: str, *, anchor: str = "", **form_kwargs
):
    """Run a small form of the file page: on success back to the file with a message; on bad
    input or a stale version the file again with the form as typed and the reason.

    ``name`` is the form's name in the page's context; for a form of one item of a list (a
    referral's status, a report's acknowledgement) it is ``(list name, item public_id)``."""
    form = form_class(request.POST, **form_kwargs)
    status = 422
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ConflictError as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, success)
            return _back(access.person, anchor)
    if isinstance(name, tuple):
        kind, public_id = name
        return _rerender(request, access, status, item_forms={(kind, str(public_id)): form})
    return _rerender(request, access, status, **{name: form})


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_level(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    return post_file_form(
        request,
        LevelForm,
        access,
        "level_form",
        lambda d: file_actions.do_set_intervention_level(
            actor=request.user,
            person=access.person,
            level=d["level"],
            reason=d["reason"],
            version=d["version"],
        ),
        _("Intervention level saved."),
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_status(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    return post_file_form(
        request,
        StatusForm,
        access,
        "status_form",
        lambda d: file_actions.do_change_case_status(
            actor=request.user,
            person=access.person,
            status=d["status"],
            reason=d["reason"],
            version=d["version"],
        ),
        _("Case status saved."),
    )


@require_POST
@require_perm(permissions.ASSIGN_CASES)
def file_assign(request, public_id):
    access = access_file(request.user, public_id, require="can_assign")
    workers = list(selectors.assignable_workers(access.person.organisation_id))
    teams = _assignable_teams(access.person)
    by_id = {str(w.public_id): w for w in workers}
    teams_by_id = {str(t.public_id): t for t in teams}

    def run(d):
        file_actions.do_assign_file(
            actor=request.user,
            person=access.person,
            worker=by_id.get(d["worker"]),
            team=teams_by_id.get(d["team"]),
            version=d["version"],
        )

    return post_file_form(
        request,
        AssignForm,
        access,
        "assign_form",
        run,
        _("File assigned."),
        workers=workers,
        teams=teams,
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_note(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    return post_file_form(
        request,
        NoteForm,
        access,
        "note_form",
        lambda d: file_actions.do_add_file_note(
            actor=request.user, person=access.person, text=d["text"]
        ),
        _("Note added."),
    )


@require_POST
@require_perm(permissions.VIEW_CASE_FILES)
def file_reveal(request, public_id):
    access = access_file(request.user, public_id, require="can_reveal_file_details")
    form = RevealDetailsForm(request.POST)
    if form.is_valid():
        try:
            revealed = file_actions.do_reveal_file_details(
                actor=request.user, person=access.person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return _rerender(request, access, 200, revealed=revealed)
    return _rerender(request, access, 422, reveal_form=form)


@require_GET
@require_perm(permissions.VIEW_CASE_FILES)
def file_pdf(request, public_id):
    """The file and its whole timeline as a PDF (Chinese rendered with the embedded CJK font),
    audited as an export naming the person."""
    from weasyprint import HTML

    access = access_file(request.user, public_id)
    person = access.person
    items: list = []
    cursor = None
    while True:  # the whole timeline, page by page (a file is hundreds of items, not millions)
        page, cursor = timeline.timeline(
            request.user, person, before=cursor, limit=min(500, PDF_MAX_ITEMS - len(items))
        )
        items.extend(page)
        if cursor is None or len(items) >= PDF_MAX_ITEMS:
            break
    labels = dict(PopulationCategory.choices)
    html = render_to_string(
        "cases/file_pdf.html",
        {
            "person": person,
            "name": file_actions.person_name(person),
            "categories": [labels.get(c, c) for c in person.population_categories],
            "items": items,
            # Cut at PDF_MAX_ITEMS: the print says so and where the older items are.
            "truncated": cursor is not None,
            "oldest_printed": items[-1].at if items else None,
            "referrals": selectors.referrals_of(person),
            "printed_at": timezone.localtime(),
            "printed_by": request.user,
            "fonts": PDF_FONTS,
        },
        request=request,
    )
    pdf = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    do_record_export(
        actor=request.user, what="person_file_pdf", count=len(items), filters={}, subject=person
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment(
        f"{_('file')}-{person.label}-{timezone.localdate():%Y%m%d}.pdf"
    )
    return response


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("no external resources in a file PDF")


# Referrals ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(permissions.EDIT_CASE_FILES)
def referral_new(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    institutions = list(active_institutions(request.user))
    by_id = {str(i.public_id): i for i in institutions}
    form = ReferralForm(request.POST or None, institutions=institutions)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                file_actions.do_create_referral(
                    actor=request.user,
                    person=access.person,
                    institution=by_id.get(form.cleaned_data["institution"]),
                    data=form.cleaned_data,
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Referral recorded as sent."))
                return _back(access.person, "#referrals")
    return render(
        request,
        "cases/referral_form.html",
        {"form": form, "person": access.person, "institutions": institutions},
        status=status,
    )


def item_of_file(
    request, model, public_id, *, person_field: str = "person", require: str = "can_edit_file"
):
    """A record of a person's file (a referral, a report, a need, a plan, a merge) and the
    file's access: 404 unless it is of the user's centre and its file is theirs to see, 403
    without the decision ``require``. The file's access decides, as for the file itself."""
    item = (
        model.objects.filter(public_id=public_id, organisation_id=request.user.organisation_id)
        .select_related(person_field)
        .first()
    )
    if item is None:
        raise Http404
    access = access_file(request.user, getattr(item, person_field).public_id, require=require)
    setattr(item, person_field, access.person)
    return item, access


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def referral_status(request, public_id):
    referral, access = item_of_file(request, Referral, public_id)
    return post_file_form(
        request,
        ReferralStatusForm,
        access,
        ("referral", referral.public_id),
        lambda d: file_actions.do_update_referral(
            actor=request.user,
            referral=referral,
            status=d["status"],
            version=d["version"],
            reason=d["reason"],
            outcome=d["outcome"],
        ),
        _("Referral updated."),
        anchor="#referrals",
    )


# High-risk reports to the community (CM-06) ----------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(permissions.EDIT_CASE_FILES)
def report_new(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    form = CommunityReportForm(
        request.POST or None,
        initial={
            "street_contact": access.person.street,
            "community_contact": access.person.community,
        },
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                file_actions.do_file_community_report(
                    actor=request.user, person=access.person, data=form.cleaned_data
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("High-risk report recorded."))
                return _back(access.person, "#reports")
    return render(
        request,
        "cases/community_report_form.html",
        {"form": form, "person": access.person},
        status=status,
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def report_acknowledge(request, public_id):
    report, access = item_of_file(request, CommunityReport, public_id)
    return post_file_form(
        request,
        AcknowledgeForm,
        access,
        ("report_ack", report.public_id),
        lambda d: file_actions.do_acknowledge_community_report(
            actor=request.user, report=report, by_name=d["by_name"]
        ),
        _("Acknowledgement recorded."),
        anchor="#reports",
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def report_close(request, public_id):
    report, access = item_of_file(request, CommunityReport, public_id)
    return post_file_form(
        request,
        CloseReportForm,
        access,
        ("report_close", report.public_id),
        lambda d: file_actions.do_close_community_report(
            actor=request.user, report=report, note=d["note"]
        ),
        _("High-risk report closed."),
        anchor="#reports",
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_follow_up(request, public_id):
    """Book a one-off follow-up from the file."""
    access = access_file(request.user, public_id, require="can_edit_file")
    workers = list(selectors.assignable_workers(access.person.organisation_id))
    by_id = {str(w.public_id): w for w in workers}
    return post_file_form(
        request,
        BookFollowUpForm,
        access,
        "book_form",
        lambda d: policy_actions.do_book_file_follow_up(
            actor=request.user,
            person=access.person,
            due_at=d["due_at"],
            assigned_to=by_id.get(d["assigned_to"]),
            consent_given=d["consent_given"],
            note=d["note"],
        ),
        _("Follow-up booked."),
        workers=workers,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.SET_FOLLOW_UP_POLICY)
def follow_up_policy(request):
    """The centre's follow-up policy (CM-04)."""
    policy = policy_actions.policy_for(request.user.organisation_id)
    initial = {
        "version": policy.version,
        "schedule_days": ", ".join(str(d) for d in policy.schedule_days),
        "programme_every_days": policy.programme_every_days,
        "intensified_every_days": policy.intensified_every_days,
    }
    form = FollowUpPolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                policy_actions.do_save_follow_up_policy(
                    actor=request.user,
                    data=form.cleaned_data,
                    version=form.cleaned_data["version"],
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Follow-up policy saved."))
                return redirect("cases:follow-up-policy")
    return render(
        request,
        "cases/follow_up_policy.html",
        {"form": form, "policy": policy, "rule_version": rules.POLICY_RULE_VERSION},
        status=status,
    )


@require_POST
@require_perm(permissions.ASSIGN_CASES)
def file_merge(request, public_id):
    """Merge another file (by its label) into this one."""
    access = access_file(request.user, public_id, require="can_assign")

    def run(d):
        label = d["source"].strip().upper()
        source = selectors.files_visible_to(request.user).filter(label=label).first()
        if source is None:
            raise ValidationError(
                {
                    "source": _("No file with the label “%(label)s” that you may see.")
                    % {"label": label}
                }
            )
        merge_actions.do_merge_persons(
            actor=request.user, source=source, target=access.person, reason=d["reason"]
        )

    return post_file_form(request, MergeForm, access, "merge_form", run, _("Files merged."))


@require_POST
@require_perm(permissions.ASSIGN_CASES)
def merge_undo(request, public_id):
    merge, _access = item_of_file(
        request, PersonMerge, public_id, person_field="target", require="can_assign"
    )
    try:
        merge_actions.do_undo_merge(actor=request.user, merge=merge)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Merge undone: file %(label)s is separate again.") % {"label": merge.source.label},
        )
    return _back(merge.target)


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_need(request, public_id):
    """Record a practical need (CM-07) and the resource linked."""
    access = access_file(request.user, public_id, require="can_edit_file")
    institutions = list(active_institutions(request.user))
    by_id = {str(i.public_id): i for i in institutions}
    return post_file_form(
        request,
        NeedForm,
        access,
        "need_form",
        lambda d: file_actions.do_add_need(
            actor=request.user,
            person=access.person,
            data=d,
            institution=by_id.get(d["institution"]),
        ),
        _("Need recorded."),
        institutions=institutions,
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def need_status(request, public_id):
    need, access = item_of_file(request, PracticalNeed, public_id)
    return post_file_form(
        request,
        NeedStatusForm,
        access,
        ("need", need.public_id),
        lambda d: file_actions.do_update_need(
            actor=request.user, need=need, status=d["status"], version=d["version"]
        ),
        _("Need updated."),
        anchor="#needs",
    )
