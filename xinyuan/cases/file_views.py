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
    FileForm,
    FollowUpPolicyForm,
    LevelForm,
    MergeForm,
    NeedForm,
    NoteForm,
    ReferralForm,
    ReferralStatusForm,
    RevealDetailsForm,
    StatusForm,
)
from xinyuan.cases.models import (
    CaseStatus,
    CommunityReport,
    InterventionLevel,
    NeedStatus,
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
    qs = selectors.filter_files(
        qs,
        q=request.GET.get("q", "")[:100],
        status=status if status in CaseStatus.values else "",
        level=int(level) if level in ("1", "2", "3", "4") else None,
        category=category if category in PopulationCategory.values else "",
        assigned_to_id=request.user.pk if mine else None,
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/file_list.html",
        {
            "page": page,
            "statuses": [c for c in CaseStatus.choices if c[0]],
            "levels": InterventionLevel.choices,
            "categories": PopulationCategory.choices,
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
    labels = dict(PopulationCategory.choices)
    return {
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
        "reports": selectors.open_community_reports(person),
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
            },
            workers=workers,
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
        "needs": list(person.needs.select_related("institution").order_by("-created_at")[:50]),
        "need_statuses": NeedStatus.choices,
        "merges": [
            (m, rules.merge_undo_until(m.created_at)) for m in selectors.recent_merges(person)
        ],
        "merged_into": person.merged_into if person.merged_into_id else None,
        "reveal_form": forms.get("reveal_form") or RevealDetailsForm(),
        "revealed": forms.get("revealed"),
        "ack_form": AcknowledgeForm(),
        "close_form": CloseReportForm(),
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


def _posted(request, form_class, access, name: str, run, success: str, **form_kwargs):
    """Run a small form of the file page: on success back to the file with a message; on bad
    input or a stale version the file again with the form as typed and the reason."""
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
            return _back(access.person)
    return _rerender(request, access, status, **{name: form})


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_level(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    return _posted(
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
    return _posted(
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
    by_id = {str(w.public_id): w for w in workers}

    def run(d):
        if d["worker"] and d["worker"] not in by_id:
            raise ValidationError({"worker": _("Choose an active counsellor or supervisor.")})
        file_actions.do_assign_file(
            actor=request.user,
            person=access.person,
            worker=by_id.get(d["worker"]),
            version=d["version"],
        )

    return _posted(
        request, AssignForm, access, "assign_form", run, _("File assigned."), workers=workers
    )


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_note(request, public_id):
    access = access_file(request.user, public_id, require="can_edit_file")
    return _posted(
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
        page, cursor = timeline.timeline(request.user, person, before=cursor, limit=500)
        items.extend(page)
        if cursor is None or len(items) >= 5000:
            break
    labels = dict(PopulationCategory.choices)
    html = render_to_string(
        "cases/file_pdf.html",
        {
            "person": person,
            "name": file_actions.person_name(person),
            "categories": [labels.get(c, c) for c in person.population_categories],
            "items": items,
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


def _referral(request, public_id) -> Referral:
    referral = (
        Referral.objects.filter(public_id=public_id, organisation_id=request.user.organisation_id)
        .select_related("person", "institution")
        .first()
    )
    if referral is None:
        raise Http404
    # The file's access decides: 404 if the file is not the user's to see.
    access_file(request.user, referral.person.public_id, require="can_edit_file")
    return referral


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def referral_status(request, public_id):
    referral = _referral(request, public_id)
    form = ReferralStatusForm(request.POST)
    if form.is_valid():
        try:
            file_actions.do_update_referral(
                actor=request.user,
                referral=referral,
                status=form.cleaned_data["status"],
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                outcome=form.cleaned_data["outcome"],
            )
        except ConflictError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Referral updated."))
    else:
        messages.error(request, _("Choose the referral's new status."))
    return _back(referral.person, "#referrals")


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


def _report(request, public_id) -> CommunityReport:
    report = (
        CommunityReport.objects.filter(
            public_id=public_id, organisation_id=request.user.organisation_id
        )
        .select_related("person")
        .first()
    )
    if report is None:
        raise Http404
    access_file(request.user, report.person.public_id, require="can_edit_file")
    return report


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def report_acknowledge(request, public_id):
    report = _report(request, public_id)
    form = AcknowledgeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"by_name": _("Name who acknowledged the report.")})
        file_actions.do_acknowledge_community_report(
            actor=request.user, report=report, by_name=form.cleaned_data["by_name"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Acknowledgement recorded."))
    return _back(report.person, "#reports")


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def report_close(request, public_id):
    report = _report(request, public_id)
    form = CloseReportForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"note": _("Say why the report can be closed.")})
        file_actions.do_close_community_report(
            actor=request.user, report=report, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("High-risk report closed."))
    return _back(report.person, "#reports")


@require_POST
@require_perm(permissions.EDIT_CASE_FILES)
def file_follow_up(request, public_id):
    """Book a one-off follow-up from the file."""
    access = access_file(request.user, public_id, require="can_edit_file")
    workers = list(selectors.assignable_workers(access.person.organisation_id))
    by_id = {str(w.public_id): w for w in workers}
    return _posted(
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

    return _posted(request, MergeForm, access, "merge_form", run, _("Files merged."))


@require_POST
@require_perm(permissions.ASSIGN_CASES)
def merge_undo(request, public_id):
    from xinyuan.cases.models import PersonMerge

    merge = (
        PersonMerge.objects.filter(
            public_id=public_id, organisation_id=request.user.organisation_id
        )
        .select_related("target", "source")
        .first()
    )
    if merge is None:
        raise Http404
    access_file(request.user, merge.target.public_id, require="can_assign")
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
    return _posted(
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
    need = (
        PracticalNeed.objects.filter(
            public_id=public_id, organisation_id=request.user.organisation_id
        )
        .select_related("person")
        .first()
    )
    if need is None:
        raise Http404
    access_file(request.user, need.person.public_id, require="can_edit_file")
    try:
        file_actions.do_update_need(
            actor=request.user, need=need, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Need updated."))
    return _back(need.person, "#needs")
