"""Pages of the counsellor workstation. Reads via selectors, writes via actions."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinyuan.assessments import registry as scale_registry
from xinyuan.audit.actions import do_record_view
from xinyuan.audit.presentation import CLINICAL_REASON_ACTIONS, action_label, change_rows
from xinyuan.audit.shred import KeyRing
from xinyuan.cases import selectors as case_selectors
from xinyuan.cases.actions import do_book_follow_up
from xinyuan.cases.forms import ConsentForm
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.views_helpers import error_messages, posted_version, require_perm
from xinyuan.hotline import actions, protocols, rules, selectors
from xinyuan.hotline.actions.disclosures import may_record_disclosure
from xinyuan.hotline.clinical_text import hidden_fields, mask_form, notes_access
from xinyuan.hotline.forms import (
    BookFollowUpForm,
    CloseContactForm,
    ContactFilterForm,
    DisclosureForm,
    RiskAssessmentForm,
    SafetyPlanForm,
    StartContactForm,
    stage_form_class,
)
from xinyuan.hotline.models import ContactStatus, ContactType

PAGE_SIZE = 50
MAX_PAGE = 200_000  # 10 million rows deep; a larger page number would overflow OFFSET
RISK_FACTOR_FIELDS = tuple(rules.RiskFactors.__dataclass_fields__)
CONTACT_VIEWERS = (permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)


def home(request):
    """Each role's first page, by what it may do."""
    user = request.user
    if permissions.has_any(user, *CONTACT_VIEWERS, permissions.ACKNOWLEDGE_ALERTS):
        return redirect("hotline:workstation")
    if permissions.has_perm(user, permissions.VIEW_AUDIT):
        return redirect("audit:events")
    if permissions.has_perm(user, permissions.MANAGE_TOKENS):
        return redirect("accounts:tokens")
    if permissions.has_perm(user, permissions.VIEW_STATISTICS):
        return redirect("reports:statistics")
    raise PermissionDenied


@require_GET
@require_perm(*CONTACT_VIEWERS, permissions.ACKNOWLEDGE_ALERTS)
def workstation(request):
    user = request.user
    last_seat = (
        selectors.contacts_visible_to(user)
        .filter(counsellor=user, seat__isnull=False)
        .values_list("seat__code", flat=True)
        .first()
    )
    form = StartContactForm(seats=selectors.seats_for(user), initial={"seat": last_seat})
    open_contacts = selectors.contacts_visible_to(user).filter(
        status=ContactStatus.OPEN, counsellor=user
    )[:20]
    due = case_selectors.due_follow_ups(user)[:10]
    return render(
        request,
        "hotline/workstation.html",
        {
            "form": form,
            "open_contacts": open_contacts,
            "due_follow_ups": due,
            "reminders": case_selectors.open_reminders(user)[:20],
            "now": timezone.now(),
            "can_handle": permissions.has_perm(user, permissions.HANDLE_CONTACTS),
        },
    )


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_start(request):
    user = request.user
    seats = selectors.seats_for(user)
    form = StartContactForm(request.POST, seats=seats)
    if form.is_valid():
        data = form.cleaned_data
        seat = seats.filter(code=data["seat"]).first() if data["seat"] else None
        try:
            contact = actions.do_start_contact(
                actor=user,
                channel=data["channel"],
                seat=seat,
                caller_number=data["caller_number"],
                caller_chat_id=data["caller_chat_id"],
            )
        except ValidationError as exc:
            for message in error_messages(exc):
                form.add_error(None, message)
        else:
            return redirect("hotline:contact-detail", public_id=contact.public_id)
    return render(
        request,
        "hotline/workstation.html",
        {
            "form": form,
            "open_contacts": selectors.contacts_visible_to(user).filter(
                status=ContactStatus.OPEN, counsellor=user
            )[:20],
            "due_follow_ups": case_selectors.due_follow_ups(user)[:10],
            "reminders": case_selectors.open_reminders(user)[:20],
            "now": timezone.now(),
            "can_handle": True,
        },
        status=422,
    )


def _contact_or_404(request, public_id):
    return get_object_or_404(selectors.contacts_visible_to(request.user), public_id=public_id)


def _can_edit(user, contact) -> bool:
    return actions._can_edit(user, contact)


def _risk_context(contact, form=None, preview=None):
    assessments = list(selectors.assessments_for(contact))
    latest = assessments[-1] if assessments else None
    if preview is None and latest is not None:
        # The form starts from the last answers: show what they derive to.
        preview = rules.derive_risk_level(
            rules.RiskFactors(**{name: getattr(latest, name) for name in RISK_FACTOR_FIELDS})
        )
    return {
        "follow_up_assessments": list(selectors.follow_up_assessments_for(contact)),
        "risk_form": form or RiskAssessmentForm(instance=_prefill_assessment(latest)),
        "assessments": assessments,
        "latest_assessment": latest,
        "preview": preview,
        "is_high": rules.is_high_risk(contact.risk_level),
        "risk_rule_version": rules.RISK_RULE_VERSION,
    }


def _prefill_assessment(latest):
    """A reassessment starts from the last answers, so nothing already asked is lost."""
    if latest is None:
        return None
    draft = copy.copy(latest)
    draft.pk = None
    return draft


def _detail_context(request, contact, stage: int, **extra):
    user = request.user
    seats = selectors.seats_shown_on(user, contact)
    person = contact.person
    typical_min, typical_max = settings.CONTACT_TYPICAL_MINUTES
    context = {
        "contact": contact,
        "stage": stage,
        "stages": protocols.STAGES,
        "frame_form": stage_form_class(0)(instance=contact, seats=seats, prefix="s0"),
        "stage_form": stage_form_class(stage)(instance=contact, seats=seats, prefix=f"s{stage}"),
        "protocol_steps": protocols.steps_for(contact.contact_type, contact.risk_level),
        "can_edit": _can_edit(user, contact),
        "person": person,
        "history": selectors.caller_history(user, contact) if person else [],
        "safety_plan_form": SafetyPlanForm(instance=getattr(contact, "safety_plan", None)),
        "close_form": CloseContactForm(initial={"outcome": contact.outcome or None}),
        "follow_up_form": BookFollowUpForm(),
        "follow_ups": list(contact.follow_ups.select_related("assigned_to").order_by("due_at")),
        "typical_min": typical_min,
        "typical_max": typical_max,
        "silent_seconds": settings.SILENT_CALL_SECONDS,
        "can_reveal": permissions.has_perm(user, permissions.REVEAL_CALLER_IDENTITY),
        "can_set_rule": permissions.has_perm(user, permissions.SET_MANAGEMENT_RULE),
        "is_silent": contact.contact_type == ContactType.SILENT,
        "is_harassment_possible": contact.status == ContactStatus.OPEN,
        "latest_alert": selectors.latest_alert_for(contact),
        "supervisors_on_duty": selectors.supervisors_on_duty(contact.organisation_id),
        "show_crisis": rules.is_high_risk(contact.risk_level)
        or hasattr(contact, "safety_plan")
        or contact.follow_ups.exists(),
        "close_problems": actions.high_risk_close_problems(contact),
        "disclosures": list(contact.disclosures.select_related("recorded_by")),
        "consents": selectors.consents_for(contact),
        "consent_form": ConsentForm(),
        "disclosure_form": DisclosureForm(),
        "can_disclose": may_record_disclosure(user, contact),
        "can_hold": permissions.has_perm(user, permissions.SET_LEGAL_HOLD)
        and user.organisation_id == contact.organisation_id,
        "retention_years": settings.RETENTION_YEARS,
        "scales_offered": [c.scale for _code, c in sorted(scale_registry.scales().items())],
        "can_see_archive": person is not None
        and permissions.has_perm(user, permissions.VIEW_SELF_TEST_RESULTS)
        and user.organisation_id == contact.organisation_id,
        "can_handle_data_requests": permissions.has_perm(user, permissions.HANDLE_DATA_REQUESTS)
        and user.organisation_id == contact.organisation_id,
        "change_history": _change_history(contact),
    }
    context.update(_risk_context(contact))
    context.update(extra)
    notes = notes_access(request, contact, break_glass=bool(context.get("break_glass")))
    context["notes"] = notes
    context["notes_reason_draft"] = request.session.get("notes_reason_draft", "")
    if not notes.readable:
        _hide_notes(context)
    if context.get("break_glass"):
        # Emergency access is for reading: no reveal of the number, no rule changes.
        context.update(can_reveal=False, can_set_rule=False)
    if not context["can_edit"]:
        # Directors and colleagues reading the record see it, but cannot change it here.
        for name in ("frame_form", "stage_form", "safety_plan_form"):
            for field in context[name].fields.values():
                field.disabled = True
    return context


def _change_history(contact, *, hide_notes: bool = False) -> list[dict]:
    """The contact's audit events as rows; clinical words unsealed with one lookup per key."""
    ring = KeyRing()
    rows = []
    for e in selectors.contact_history(contact):
        hidden = hidden_fields(e.target_type) if hide_notes else frozenset()
        reason_hidden = hide_notes and e.action in CLINICAL_REASON_ACTIONS
        rows.append(
            {
                "event": e,
                "action": action_label(e.action),
                "rows": change_rows(e, hidden=hidden, ring=ring),
                "reason": "" if reason_hidden or not e.reason else e.opened_reason(ring),
                "reason_hidden": reason_hidden and bool(e.reason),
            }
        )
    return rows


def _hide_notes(context) -> None:
    """Field-level hiding: the coded record stays; what the caller said and the counsellor's
    notes are blanked, in the forms, the assessments and the change history."""
    mask_form(context["frame_form"], "hotline.contact")
    mask_form(context["stage_form"], "hotline.contact")
    mask_form(context["safety_plan_form"], "hotline.safetyplan")
    mask_form(context["risk_form"], "hotline.riskassessment")
    context["change_history"] = _change_history(context["contact"], hide_notes=True)


@require_GET
@require_perm(*CONTACT_VIEWERS)
def contact_detail(request, public_id):
    contact = selectors.contacts_visible_to(request.user).filter(public_id=public_id).first()
    grant = None
    if contact is None:
        # Another centre's contact, opened in an emergency (break-glass): read-only, audited.
        contact = selectors.break_glass_contact(request.user, public_id)
        if contact is None:
            raise Http404
        grant = contact.break_glass
    try:
        stage = int(request.GET.get("stage", contact.current_stage))
    except ValueError:
        stage = contact.current_stage
    stage = min(max(stage, 1), 5)
    do_record_view(actor=request.user, target=contact, reason="break_glass" if grant else "")
    context = _detail_context(request, contact, stage, break_glass=grant)
    return render(request, "hotline/contact_detail.html", context)


def _save_status(request, contact, *, errors=None, conflict=None, saved=False, status=200):
    return render(
        request,
        "hotline/partials/_save_status.html",
        {"contact": contact, "errors": errors or [], "conflict": conflict, "saved": saved},
        status=status,
    )


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_stage_save(request, public_id, stage: int):
    """Autosave of one stage (htmx): validates, checks the version, answers a status line.

    Nothing typed is lost on error: the browser keeps the form; the status line says why.
    """
    contact = _contact_or_404(request, public_id)
    if stage not in actions.STAGE_FIELDS:
        raise PermissionDenied
    form = stage_form_class(stage)(
        request.POST, instance=contact, seats=selectors.seats_for(request.user), prefix=f"s{stage}"
    )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _save_status(request, contact, errors=[_("The page is out of date; reload it.")])
    errs = []
    if not form.is_valid():
        errs = [
            f"{form.fields[name].label}: {' '.join(str(m) for m in msgs)}"
            for name, msgs in form.errors.items()
            if name in form.fields
        ]
    # Save every valid field; name the invalid ones (they stay in the page as typed).
    changes = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
    if stage in (1, 2, 3, 4, 5):
        changes["current_stage"] = stage
    try:
        contact = actions.do_update_contact(
            actor=request.user,
            contact=_contact_or_404(request, public_id),
            version=version,
            changes=changes,
        )
    except ConflictError as exc:
        return _save_status(request, contact, conflict=exc.message)
    except ValidationError as exc:
        return _save_status(request, contact, errors=errs + error_messages(exc))
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    response = _save_status(request, contact, saved=True, errors=errs)
    if stage == 0:
        response["HX-Refresh"] = "true"  # the type decides the protocol shown: redraw the page
    return response


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_protocol_step(request, public_id):
    contact = _contact_or_404(request, public_id)
    step = request.POST.get("step", "")
    valid_keys = {
        key for key, _text in protocols.steps_for(contact.contact_type, contact.risk_level)
    }
    if step not in valid_keys:
        return _save_status(request, contact, errors=[_("Unknown protocol step.")])
    done = list(contact.protocol_steps_done)
    done = [s for s in done if s != step] if step in done else [*done, step]
    try:
        contact = actions.do_update_contact(
            actor=request.user,
            contact=contact,
            version=posted_version(request),
            changes={"protocol_steps_done": done},
        )
    except ConflictError as exc:
        return _save_status(request, contact, conflict=exc.message)
    return _save_status(request, contact, saved=True)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_risk_preview(request, public_id):
    """Live preview of the derived level while the counsellor answers (nothing saved)."""
    contact = _contact_or_404(request, public_id)
    form = RiskAssessmentForm(request.POST)
    preview = None
    error = None
    if form.is_valid():
        try:
            preview = rules.derive_risk_level(rules.RiskFactors(**form.factor_kwargs()))
        except rules.RiskInputError as exc:
            error = exc.message
    return render(
        request,
        "hotline/partials/_risk_preview.html",
        {"preview": preview, "error": error, "form": form, "contact": contact},
    )


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_risk_assess(request, public_id):
    contact = _contact_or_404(request, public_id)
    form = RiskAssessmentForm(request.POST)
    if form.is_valid():
        try:
            actions.do_assess_risk(
                actor=request.user,
                contact=contact,
                factors=rules.RiskFactors(**form.factor_kwargs()),
                final_level=form.cleaned_data["final_level"] or None,
                override_reason=form.cleaned_data["override_reason"],
                plan_method=form.cleaned_data["plan_method"],
                means_detail=form.cleaned_data["means_detail"],
            )
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        except PermissionDeniedError as exc:
            raise PermissionDenied from exc
        else:
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
                return response
            return redirect("hotline:contact-detail", public_id=contact.public_id)
    context = _detail_context(request, contact, contact.current_stage)
    context.update(_risk_context(contact, form=form))
    template = (
        "hotline/partials/_risk_panel.html" if request.htmx else "hotline/contact_detail.html"
    )
    return render(request, template, context, status=200 if request.htmx else 422)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_safety_plan_save(request, public_id):
    contact = _contact_or_404(request, public_id)
    form = SafetyPlanForm(request.POST)
    if not form.is_valid():
        errs = [
            f"{form.fields[n].label}: {' '.join(str(x) for x in m)}" for n, m in form.errors.items()
        ]
        return _save_status(request, contact, errors=errs)
    try:
        actions.do_save_safety_plan(actor=request.user, contact=contact, data=form.cleaned_data)
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    return _save_status(request, contact, saved=True)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_follow_up_book(request, public_id):
    contact = _contact_or_404(request, public_id)
    form = BookFollowUpForm(request.POST)
    if form.is_valid():
        try:
            do_book_follow_up(
                actor=request.user,
                contact=contact,
                consent_given=form.cleaned_data["consent_given"],
                due_at=form.cleaned_data["due_at"],
            )
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            messages.success(request, _("Follow-up booked."))
            return redirect("hotline:contact-detail", public_id=contact.public_id)
    context = _detail_context(request, contact, contact.current_stage, follow_up_form=form)
    return render(request, "hotline/contact_detail.html", context, status=422)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_follow_up_declined(request, public_id):
    contact = _contact_or_404(request, public_id)
    try:
        actions.do_record_follow_up_declined(
            actor=request.user, contact=contact, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    else:
        messages.success(request, _("The caller's refusal of a follow-up is recorded."))
    return redirect("hotline:contact-detail", public_id=contact.public_id)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_close(request, public_id):
    contact = _contact_or_404(request, public_id)
    form = CloseContactForm(request.POST)
    version = posted_version(request)
    if form.is_valid():
        try:
            actions.do_close_contact(
                actor=request.user,
                contact=contact,
                version=version,
                outcome=form.cleaned_data["outcome"],
            )
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("hotline:contact-detail", public_id=contact.public_id)
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
            return redirect(
                reverse("hotline:contact-detail", args=[contact.public_id]) + "?stage=5"
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied from exc
        messages.success(request, _("Contact closed."))
        return redirect("hotline:workstation")
    context = _detail_context(request, contact, 5, close_form=form)
    return render(request, "hotline/contact_detail.html", context, status=422)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_end_harassment(request, public_id):
    """Second click of 'end and flag as harassment' (HL-07)."""
    contact = _contact_or_404(request, public_id)
    try:
        actions.do_end_harassment_contact(
            actor=request.user,
            contact=contact,
            version=posted_version(request),
        )
    except (ConflictError, ValidationError) as exc:
        for message in [exc.message] if isinstance(exc, ConflictError) else error_messages(exc):
            messages.error(request, message)
        return redirect("hotline:contact-detail", public_id=contact.public_id)
    except PermissionDeniedError as exc:
        raise PermissionDenied from exc
    messages.success(request, _("Contact ended and flagged as harassment."))
    return redirect("hotline:workstation")


@require_GET
@require_perm(*CONTACT_VIEWERS)
def contact_list(request):
    user = request.user
    counsellors = selectors.counsellors_for(user)
    form = ContactFilterForm(request.GET or None, counsellors=counsellors)
    qs = selectors.contacts_visible_to(user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.filter_contacts(
        qs,
        filters,
        search_notes=permissions.has_perm(request.user, permissions.READ_CLINICAL_NOTES),
    )
    # No COUNT(*) over a large table: fetch one row more than a page to know if there is a next.
    try:
        page_number = min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page_number = 1
    offset = (page_number - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    page = {
        "rows": rows[:PAGE_SIZE],
        "number": page_number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page_number > 1,
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hotline/contact_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "show_counsellor_filter": permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS),
            "can_break_glass": permissions.has_perm(user, permissions.BREAK_GLASS),
        },
    )
