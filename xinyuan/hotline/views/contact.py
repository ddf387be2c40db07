"""The contact page and what it posts: stages, protocol steps, risk, safety plan, follow-up,
close, harassment. Every request starts with ``access_contact`` (404/403 decided there); every
render of the page — a GET, or a form shown again after a refused post — is an audited read."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from xinyuan.audit.actions import do_record_view
from xinyuan.audit.presentation import (
    CLINICAL_REASON_ACTIONS,
    action_label,
    change_rows,
    reason_label,
)
from xinyuan.audit.shred import KeyRing
from xinyuan.cases.forms import ConsentForm
from xinyuan.cases.selectors import consents_for
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError
from xinyuan.core.locale import join_sentences, labelled
from xinyuan.core.views_helpers import error_messages, post_only, posted_version, require_perm
from xinyuan.hotline import actions, extensions, protocols, rules, selectors
from xinyuan.hotline.access import ContactAccess, access_contact
from xinyuan.hotline.clinical_text import hidden_fields, mask_form, redact
from xinyuan.hotline.forms import (
    BookFollowUpForm,
    CloseContactForm,
    DisclosureForm,
    EmergencyCallForm,
    RiskAssessmentForm,
    SafetyPlanForm,
    split_fields,
    stage_form_class,
)
from xinyuan.hotline.models import ContactType, EmergencyService

RISK_FACTOR_FIELDS = tuple(rules.RiskFactors.__dataclass_fields__)
CONTACT_VIEWERS = (permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)


def _risk_context(access: ContactAccess, form=None, preview=None) -> dict:
    contact = access.contact
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


def _change_history(access: ContactAccess) -> list[dict]:
    """The contact's audit events as rows; clinical words unsealed with one lookup per key, and
    shown only to a reader who may read the notes."""
    ring = KeyRing()
    hide = not access.can_read_notes
    rows = []
    for e in selectors.contact_history(access.contact):
        hidden = hidden_fields(e.target_type) if hide else frozenset()
        reason_hidden = hide and e.action in CLINICAL_REASON_ACTIONS
        rows.append(
            {
                "event": e,
                "action": action_label(e.action),
                "rows": change_rows(e, hidden=hidden, ring=ring),
                "reason": ""
                if reason_hidden or not e.reason
                else reason_label(e.opened_reason(ring)),
                "reason_hidden": reason_hidden and bool(e.reason),
            }
        )
    return rows


def _disclosures(access: ContactAccess) -> list[dict]:
    """Disclosures of the contact; to whom and why are clinical words (hidden by ``redact``)."""
    rows = []
    for d in access.contact.disclosures.select_related("recorded_by"):
        words = redact(
            access, "hotline.disclosure", {"disclosed_to": d.disclosed_to, "reason": d.reason}
        )
        rows.append({"disclosure": d, **words})
    return rows


def render_contact_page(
    request, access: ContactAccess, *, stage: int | None = None, status=200, **extra
):
    """The contact page. Every render is a read of the record: audited (in
    ``contact_page_context``), once, whatever brought it (a GET, a form refused and shown
    again)."""
    context = contact_page_context(request, access, stage=stage, **extra)
    return render(request, "hotline/contact_detail.html", context, status=status)


def contact_page_context(request, access: ContactAccess, *, stage: int | None = None, **extra):
    """Everything the contact page shows — for the page, and for the parts of it redrawn in
    place after an assessment. Audited as a read of the record."""
    contact = access.contact
    user = request.user
    stage = contact.current_stage if stage is None else min(max(stage, 1), 5)
    do_record_view(
        actor=user,
        target=contact,
        reason="break_glass" if access.via_break_glass else "",
        fields=tuple(sorted(hidden_fields("hotline.contact")))
        if access.notes_revealed_until
        else (),
    )
    seats = selectors.seats_shown_on(user, contact)
    typical_min, typical_max = settings.CONTACT_TYPICAL_MINUTES_BY_TYPE.get(
        contact.contact_type, settings.CONTACT_TYPICAL_MINUTES
    )
    plan = getattr(contact, "safety_plan", None)
    context = {
        "access": access,
        "contact": contact,
        "stage": stage,
        "stages": protocols.STAGES,
        "frame_form": stage_form_class(0)(instance=contact, seats=seats, prefix="s0"),
        "stage_forms": {
            n: stage_form_class(n)(instance=contact, seats=seats, prefix=f"s{n}")
            for n in range(1, 6)
        },
        "protocol_steps": protocols.steps_for(contact.contact_type, contact.risk_level),
        "person": contact.person,
        "history": selectors.caller_history(user, contact) if contact.person_id else [],
        "safety_plan": plan,
        "safety_plan_form": SafetyPlanForm(instance=plan),
        "close_form": CloseContactForm.for_contact(contact),
        "follow_up_form": BookFollowUpForm(),
        "follow_ups": list(contact.follow_ups.select_related("assigned_to").order_by("due_at")),
        "typical_min": typical_min,
        "typical_max": typical_max,
        "silent_seconds": settings.SILENT_CALL_SECONDS,
        "is_silent": contact.contact_type == ContactType.SILENT,
        **_alert_status_context(contact),
        "show_crisis": rules.is_high_risk(contact.risk_level)
        or plan is not None
        or contact.follow_ups.exists(),
        "close_problems": actions.close_problems(contact),
        "disclosures": _disclosures(access),
        "consents": consents_for(contact),
        "consent_form": ConsentForm(),
        "disclosure_form": DisclosureForm(),
        "retention_years": settings.RETENTION_YEARS,
        "change_history": _change_history(access),
        "notes_reason_draft": request.session.get("notes_reason_draft", ""),
        # Added by higher apps (a supervisor's review of the call): ``hotline.extensions``.
        "extra_links": extensions.contact_links(access),
    }
    context.update(_risk_context(access))
    context.update(_crisis_now_context(contact, context["latest_assessment"]))
    context.update(_returning_caller_context(access))
    context.update(extra)
    if not access.can_read_notes:
        # Field-level hiding: the coded record stays; what the caller said and the counsellor's
        # notes are blanked, in the forms, the assessments and the change history.
        mask_form(context["frame_form"], "hotline.contact")
        for form in context["stage_forms"].values():
            mask_form(form, "hotline.contact")
        mask_form(context["safety_plan_form"], "hotline.safetyplan")
        mask_form(context["risk_form"], "hotline.riskassessment")
    if not access.can_edit:
        # Directors and colleagues reading the record see it, but cannot change it here.
        for form in (
            context["frame_form"],
            context["safety_plan_form"],
            *context["stage_forms"].values(),
        ):
            for field in form.fields.values():
                field.disabled = True
    # Every stage is in the page (switched without a request): during-call fields first, the
    # wrap-up fields folded away.
    context["stage_panels"] = [
        {
            "n": n,
            "title": title,
            "help": help_text,
            "form": context["stage_forms"][n],
            "fields": split_fields(context["stage_forms"][n], n),
        }
        for n, title, help_text in protocols.STAGES
    ]
    context["frame_fields"] = split_fields(context["frame_form"], 0)
    return context


def _returning_caller_context(access: ContactAccess) -> dict:
    """A known caller's earlier contacts in one glance at the top of the page (issue 10): last
    risk level and when, the last safety plan, due follow-ups, the management rule, flags,
    caller notes and the profile pre-filled from the last contact. Never the number."""
    from datetime import timedelta

    from django.utils import timezone

    from xinyuan.cases.forms import CallerNoteForm
    from xinyuan.cases.selectors import active_caller_notes
    from xinyuan.core.locale import join_list
    from xinyuan.hotline.models import ContactStatus

    contact = access.contact
    summary = selectors.returning_caller(access.user, contact)
    note_form = None
    if access.can_set_caller_note:
        until = timezone.localtime() + timedelta(days=7)
        note_form = CallerNoteForm(initial={"expires_at": until.replace(second=0, microsecond=0)})
    if summary is None:
        # A first contact: no summary, but the caller's notes (and setting one) all the same.
        notes = []
        if contact.person_id and access.own_centre:
            notes = active_caller_notes(access.user, contact.person_id)
        return {"returning": None, "caller_notes": notes, "caller_note_form": note_form}
    now = timezone.now()
    today = timezone.localdate(now)
    prefilled = []
    if contact.status == ContactStatus.OPEN:
        defaults = actions.contacts.profile_defaults()
        for name in rules.CALLER_PROFILE_FIELDS:
            value = getattr(contact, name)
            if value != defaults[name] and value == getattr(summary.previous, name):
                prefilled.append(getattr(contact, f"get_{name}_display")())
    last_risk = summary.last_risk
    return {
        "returning": summary,
        "returning_days_ago": (today - timezone.localdate(last_risk.started_at)).days
        if last_risk
        else None,
        "returning_prefilled": join_list(prefilled),
        "returning_can_carry": access.can_edit
        and contact.status == ContactStatus.OPEN
        and summary.last_plan is not None,
        "returning_now": now,
        "caller_notes": summary.notes,
        "caller_note_form": note_form,
    }


def _alert_status_context(contact, *, escalate: bool = False) -> dict:
    """The contact's latest alert and who takes it: shown in the crisis card, polled by the
    counsellor's page until a supervisor takes it. With ``escalate``, an alert nobody took in
    time is escalated first (the page open during the call is enough; the task queued at the
    raise does it too)."""
    alert = selectors.latest_alert_for(contact)
    if escalate and alert is not None and selectors.is_overdue_alert(alert):
        actions.do_escalate_due_alerts(contact=contact)
        alert = selectors.latest_alert_for(contact)
    on_duty = selectors.supervisors_on_duty(contact.organisation_id) if alert else 0
    names = []
    if alert is not None and not on_duty:
        names = [user.work_name for user in selectors.who_to_call(contact.organisation_id)]
    return {
        "latest_alert": alert,
        "supervisors_on_duty": on_duty,
        "who_to_call": pgettext("list separator", ", ").join(names),
        "alert_poll_seconds": settings.ALERT_POLL_SECONDS,
    }


# The one-click buttons of the crisis-now panel, as a counsellor would say it.
EMERGENCY_BUTTONS = [
    (EmergencyService.AMBULANCE, gettext_lazy("Called 120 (ambulance)")),
    (EmergencyService.POLICE, gettext_lazy("Called 110 (police)")),
    (EmergencyService.FIRE, gettext_lazy("Called 119 (fire and rescue)")),
    (EmergencyService.OTHER, gettext_lazy("Contacted another emergency service")),
]


def _crisis_now_context(contact, latest) -> dict:
    """An act in progress or imminent risk: what to do now, first on the screen (HL-05). A plan
    within 72 hours has its own text."""
    act = latest is not None and latest.act_in_progress
    imminent = contact.risk_level == rules.IMMINENT
    within_72h = latest is not None and latest.plan_timing == "within_72h"
    shown = act or imminent or (within_72h and rules.is_high_risk(contact.risk_level))
    return {
        "crisis_now": shown,
        "crisis_act": act,
        "crisis_imminent": act or imminent,
        "crisis_72h": within_72h,
        "emergency_calls": list(contact.emergency_calls.select_related("recorded_by"))
        if shown
        else [],
        "emergency_form": EmergencyCallForm(),
        "emergency_services": EMERGENCY_BUTTONS,
    }


def _revealed_fields(access: ContactAccess) -> tuple[str, ...]:
    """A director reading the notes after stating why: the view names the fields read."""
    if access.notes_revealed_until is None:
        return ()
    return tuple(sorted(hidden_fields("hotline.contact")))


def _stage(request, access: ContactAccess) -> int:
    try:
        return int(request.GET.get("stage", access.contact.current_stage))
    except ValueError:
        return access.contact.current_stage


@require_GET
@require_perm(*CONTACT_VIEWERS)
def contact_detail(request, public_id):
    access = access_contact(request.user, public_id)
    return render_contact_page(request, access, stage=_stage(request, access))


def _save_status(
    request,
    contact,
    *,
    errors=None,
    conflict=None,
    saved=False,
    plan=None,
    status=200,
    close_problems=None,
):
    return render(
        request,
        "hotline/partials/_save_status.html",
        {
            "contact": contact,
            "plan": plan,
            "errors": errors or [],
            "conflict": conflict,
            "saved": saved,
            "close_problems": close_problems,
            "redraw_close_problems": close_problems is not None,
            "oob": True,
        },
        status=status,
    )


def _form_errors(form) -> list[str]:
    """One line per invalid field: ``label：messages`` in the interface language."""
    return [
        labelled(form.fields[name].label, join_sentences(msgs))
        for name, msgs in form.errors.items()
        if name in form.fields
    ]


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_stage_save(request, public_id, stage: int):
    """Autosave of one stage (htmx): validates, checks the version, answers a status line.

    Nothing typed is lost on error: the browser keeps the form; the status line says why.
    """
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    if stage not in actions.STAGE_FIELDS:
        raise PermissionDenied
    # A model form writes what it cleans onto its instance: it gets a copy, so the contact in
    # hand stays the row as read (the action writes on it only if nobody wrote meanwhile).
    form = stage_form_class(stage)(
        request.POST,
        instance=copy.copy(contact),
        seats=selectors.seats_shown_on(request.user, contact),
        prefix=f"s{stage}",
    )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _save_status(request, contact, errors=[_("The page is out of date; reload it.")])
    errs = _form_errors(form) if not form.is_valid() else []
    # Save every valid field; name the invalid ones (they stay in the page as typed).
    changes = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
    if stage in (1, 2, 3, 4, 5):
        changes["current_stage"] = stage
    try:
        contact = actions.do_update_contact(
            actor=request.user, contact=contact, version=version, changes=changes
        )
    except ConflictError as exc:
        return _save_status(request, contact, conflict=exc.message)
    except ValidationError as exc:
        return _save_status(request, contact, errors=errs + error_messages(exc))
    # Strong negative emotion (stage 2) changes what closing needs: redrawn in place.
    response = _save_status(
        request,
        contact,
        saved=True,
        errors=errs,
        close_problems=actions.close_problems(contact) if stage == 2 else None,
    )
    if stage == 0:
        response["HX-Refresh"] = "true"  # the type decides the protocol shown: redraw the page
    return response


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_protocol_step(request, public_id):
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
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


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_risk_preview(request, public_id):
    """Live preview of the derived level while the counsellor answers (nothing saved)."""
    access = access_contact(request.user, public_id, edit=True)
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
        {"preview": preview, "error": error, "form": form, "contact": access.contact},
    )


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_risk_assess(request, public_id):
    """Save an assessment. From the page (htmx) nothing reloads: the risk panel is redrawn, and
    with it, in place, what the new level changes — the crisis-now panel, the badges, the type,
    the protocol, the crisis card when it was not shown yet, the alert line, what closing still
    needs and the contact's version. Typing elsewhere on the page is untouched."""
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    form = RiskAssessmentForm(request.POST)
    crisis_was_shown = (
        rules.is_high_risk(contact.risk_level)
        or hasattr(contact, "safety_plan")
        or contact.follow_ups.exists()
    )
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
        else:
            if request.htmx:
                context = contact_page_context(request, access)
                context.update(oob=True, crisis_was_shown=crisis_was_shown, assessed=True)
                return render(request, "hotline/partials/_after_assessment.html", context)
            return redirect("hotline:contact-detail", public_id=contact.public_id)
    if request.htmx:
        do_record_view(actor=request.user, target=contact)
        context = {"access": access, "contact": contact, "notes": access}
        context.update(_risk_context(access, form=form))
        return render(request, "hotline/partials/_risk_panel.html", context)
    context = _risk_context(access, form=form)
    return render_contact_page(request, access, status=422, **context)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_safety_plan_save(request, public_id):
    """Autosave of the safety plan (htmx), with the plan's version (0: the page had none)."""
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    form = SafetyPlanForm(request.POST)
    if not form.is_valid():
        return _save_status(request, contact, errors=_form_errors(form))
    try:
        plan = actions.do_save_safety_plan(
            actor=request.user,
            contact=contact,
            data=form.cleaned_data,
            version=posted_version(request, "plan_version"),
        )
    except ConflictError as exc:
        return _save_status(request, contact, conflict=exc.message)
    # What closing still needs changes with the plan: redrawn in place (out of band).
    return _save_status(
        request, contact, saved=True, plan=plan, close_problems=actions.close_problems(contact)
    )


def _follow_up_section(request, access: ContactAccess, *, form=None, saved: str = ""):
    """The follow-up part of the crisis card, redrawn in place (htmx), with what closing still
    needs (out of band). A read of the record: audited."""
    contact = access.contact
    do_record_view(actor=request.user, target=contact)
    context = {
        "access": access,
        "contact": contact,
        "follow_ups": list(contact.follow_ups.select_related("assigned_to").order_by("due_at")),
        "follow_up_form": form or BookFollowUpForm(),
        "follow_up_saved": saved,
        "close_problems": actions.close_problems(contact),
        "oob": True,
    }
    return render(request, "hotline/partials/_follow_up_response.html", context)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_follow_up_book(request, public_id):
    access = access_contact(request.user, public_id, edit=True)
    form = BookFollowUpForm(request.POST)
    if form.is_valid():
        try:
            actions.do_book_follow_up(
                actor=request.user,
                contact=access.contact,
                consent_given=form.cleaned_data["consent_given"],
                due_at=form.cleaned_data["due_at"],
            )
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            if request.htmx:
                return _follow_up_section(request, access, saved=_("Follow-up booked."))
            messages.success(request, _("Follow-up booked."))
            return redirect("hotline:contact-detail", public_id=access.contact.public_id)
    if request.htmx:
        # Shown again in place with the errors, what was entered kept (htmx swaps only 2xx).
        return _follow_up_section(request, access, form=form)
    return render_contact_page(request, access, status=422, follow_up_form=form)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_follow_up_declined(request, public_id):
    access = access_contact(request.user, public_id, edit=True)
    try:
        actions.do_record_follow_up_declined(
            actor=request.user, contact=access.contact, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        if request.htmx:
            form = BookFollowUpForm()
            for message in error_messages(exc):
                form.add_error(None, message)
            return _follow_up_section(request, access, form=form)
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        saved = _("The caller's refusal of a follow-up is recorded.")
        if request.htmx:
            return _follow_up_section(request, access, saved=saved)
        messages.success(request, saved)
    return redirect("hotline:contact-detail", public_id=access.contact.public_id)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_close(request, public_id):
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    form = CloseContactForm(request.POST)
    if form.is_valid():
        try:
            actions.do_close_contact(
                actor=request.user,
                contact=contact,
                version=posted_version(request),
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
        messages.success(request, _("Contact closed."))
        return redirect("hotline:workstation")
    return render_contact_page(request, access, stage=5, status=422, close_form=form)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_end_call(request, public_id):
    """The call is over, the record is finished later (the wrap-up list of the workstation)."""
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    try:
        actions.do_end_call(actor=request.user, contact=contact, version=posted_version(request))
    except (ConflictError, ValidationError) as exc:
        for message in [exc.message] if isinstance(exc, ConflictError) else error_messages(exc):
            messages.error(request, message)
        return redirect(reverse("hotline:contact-detail", args=[contact.public_id]) + "?stage=5")
    messages.success(request, _("Call ended. The record waits on your wrap-up list."))
    return redirect("hotline:workstation")


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_end_harassment(request, public_id):
    """Second click of 'end and flag as harassment' (HL-07)."""
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    try:
        actions.do_end_harassment_contact(
            actor=request.user, contact=contact, version=posted_version(request)
        )
    except (ConflictError, ValidationError) as exc:
        for message in [exc.message] if isinstance(exc, ConflictError) else error_messages(exc):
            messages.error(request, message)
        return redirect("hotline:contact-detail", public_id=contact.public_id)
    messages.success(request, _("Contact ended and flagged as harassment."))
    return redirect("hotline:workstation")


@require_GET
@require_perm(*CONTACT_VIEWERS)
def contact_alert_status(request, public_id):
    """Polled by the counsellor's page every ``ALERT_POLL_SECONDS`` while its alert waits: who
    took it and when, without reloading. An alert nobody took in time is escalated here too (as
    well as by the task queued at the raise): the page open during the call is enough."""
    access = access_contact(request.user, public_id)
    contact = access.contact
    # Rendered without the context processors: the poll reads only what the line shows.
    html = render_to_string(
        "hotline/partials/_alert_status.html",
        {"contact": contact, **_alert_status_context(contact, escalate=True)},
    )
    return HttpResponse(html)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_emergency_call(request, public_id):
    """One click: emergency services contacted (which, their reference), with the
    confidentiality exception it makes. The crisis panel is redrawn in place."""
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    form = EmergencyCallForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            actions.do_record_emergency_call(
                actor=request.user,
                contact=contact,
                service=form.cleaned_data["service"],
                reference=form.cleaned_data["reference"],
            )
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            saved = True
    if not request.htmx:
        if saved:
            messages.success(request, _("Emergency services contact recorded."))
        else:
            for message in _form_errors(form) or [_("Choose the emergency service contacted.")]:
                messages.error(request, message)
        return redirect("hotline:contact-detail", public_id=contact.public_id)
    latest = selectors.assessments_for(contact).last()
    context = {"access": access, "contact": contact, **_crisis_now_context(contact, latest)}
    if not saved:
        context["emergency_form"] = form
    # 200 either way: htmx swaps only successful answers, and the errors are in the panel.
    return render(request, "hotline/partials/_crisis_now.html", context)
