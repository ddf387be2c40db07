"""The returning caller (issue 10): carry the last safety plan forward, record this call as a
due follow-up, and the supervisors' time-limited caller notes. The summary itself is part of the
contact page (``views/contact.py``, ``partials/_returning_caller.html``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.cases import selectors as case_selectors
from xinyuan.cases.access import access_caller_note, decide_person
from xinyuan.cases.actions.caller_notes import do_remove_caller_note, do_set_caller_note
from xinyuan.cases.forms import CallerNoteForm
from xinyuan.core import permissions
from xinyuan.core.locale import join_list
from xinyuan.core.views_helpers import error_messages, post_only, require_perm, safe_next
from xinyuan.hotline import selectors
from xinyuan.hotline.access import access_contact, access_follow_up_in_contact
from xinyuan.hotline.actions.returning import do_carry_forward_safety_plan
from xinyuan.hotline.models import SafetyPlan
from xinyuan.hotline.views.contact import render_contact_page
from xinyuan.hotline.views.follow_ups import follow_up_record_page

CONTACT_VIEWERS = (permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)


def _field_names(names) -> str:
    return join_list(
        SafetyPlan._meta.get_field(name).verbose_name  # type: ignore[union-attr]
        for name in names
    )


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_plan_carry(request, public_id):
    """One click: the caller's last safety plan into this contact's plan (empty fields only);
    the counsellor then goes on editing it in the crisis card."""
    access = access_contact(request.user, public_id, edit=True)
    contact = access.contact
    summary = selectors.returning_caller(request.user, contact)
    if summary is None or summary.last_plan is None:
        raise Http404
    try:
        result = do_carry_forward_safety_plan(
            actor=request.user, contact=contact, source=summary.last_plan
        )
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        text = _("Safety plan carried forward from the last contact: %(fields)s.") % {
            "fields": _field_names(result.carried)
        }
        if result.kept:
            text += " " + _("Kept as already written here: %(fields)s.") % {
                "fields": _field_names(result.kept)
            }
        messages.success(request, text)
    return redirect(reverse("hotline:contact-detail", args=[contact.public_id]) + "#safety-plan")


@require_http_methods(["GET", "POST"])
@require_perm(permissions.PERFORM_FOLLOW_UPS)
def contact_follow_up_take(request, public_id, follow_up_id):
    """The person rang in with a follow-up due: this call is recorded as that follow-up, on the
    follow-up's own form (附件2 and its risk assessment), then back to the call."""
    access = access_contact(request.user, public_id, edit=True)
    if not access.can_take_follow_ups:
        raise PermissionDenied
    taken = access_follow_up_in_contact(access, follow_up_id)
    return follow_up_record_page(request, taken, in_contact=access.contact)


@post_only("hotline:contact-detail")
@require_perm(permissions.SET_CALLER_NOTE)
def contact_caller_note_add(request, public_id):
    """A supervisor sets a time-limited note on the caller of this contact. A refused note
    shows the contact page again with everything typed and the reason."""
    access = access_contact(request.user, public_id)
    person = access.contact.person
    if person is None or not decide_person(request.user, person).can_set_caller_note:
        raise PermissionDenied
    form = CallerNoteForm(request.POST)
    if form.is_valid():
        try:
            do_set_caller_note(
                actor=request.user,
                person=person,
                text=form.cleaned_data["text"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            messages.success(request, _("Caller note set."))
            return redirect("hotline:contact-detail", public_id=access.contact.public_id)
    return render_contact_page(request, access, status=422, caller_note_form=form)


@require_POST
@require_perm(permissions.SET_CALLER_NOTE)
def caller_note_remove(request, public_id):
    access = access_caller_note(request.user, public_id)
    try:
        do_remove_caller_note(actor=request.user, note=access.note)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Caller note removed."))
    return redirect(safe_next(request, "hotline:caller-note-list"))


@require_GET
@require_perm(permissions.SET_CALLER_NOTE)
def caller_note_list(request):
    """The centre's caller notes in force, and the last ones ended."""
    listed = case_selectors.caller_notes_listed(request.user)
    return render(
        request,
        "hotline/caller_note_list.html",
        {**listed, "now": timezone.now()},
    )
