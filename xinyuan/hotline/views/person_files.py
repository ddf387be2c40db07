"""Open the caller's file from a contact, or link a contact without a known caller to an
existing file (CM-01). The file itself is the cases app's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.cases import selectors as case_selectors
from xinyuan.core import permissions
from xinyuan.core.views_helpers import error_messages, post_only, require_perm
from xinyuan.hotline.access import access_contact
from xinyuan.hotline.actions.person_files import do_link_contact_to_file, do_open_file_from_contact


@post_only("hotline:contact-detail")
@require_perm(permissions.EDIT_CASE_FILES)
def contact_open_file(request, public_id):
    access = access_contact(request.user, public_id)
    person = do_open_file_from_contact(actor=request.user, contact=access.contact)
    return redirect("cases:file-detail", public_id=person.public_id)


@post_only("hotline:contact-detail")
@require_perm(permissions.EDIT_CASE_FILES)
def contact_link_file(request, public_id):
    """Link by the file's label (C-XXXXXX), as read from the file or said by a colleague."""
    access = access_contact(request.user, public_id)
    label = (request.POST.get("label") or "").strip().upper()
    target = case_selectors.files_visible_to(request.user).filter(label=label).first()
    back = reverse("hotline:contact-detail", args=[public_id])
    if target is None:
        messages.error(
            request, _("No file with the label “%(label)s” that you may see.") % {"label": label}
        )
        return redirect(back)
    try:
        do_link_contact_to_file(actor=request.user, contact=access.contact, person=target)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("Contact linked to file %(label)s.") % {"label": target.label})
    return redirect("cases:file-detail", public_id=target.public_id)
