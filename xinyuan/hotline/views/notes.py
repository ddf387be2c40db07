"""A director asks to read a contact's clinical notes, stating why (audited; valid for
``access.NOTES_REVEAL_MINUTES``, in the page and the API)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.core import permissions
from xinyuan.core.views_helpers import post_only, require_perm
from xinyuan.hotline.access import access_contact
from xinyuan.hotline.actions.notes import do_reveal_notes


@post_only("hotline:contact-detail")
@require_perm(permissions.REVEAL_CLINICAL_NOTES)
def contact_notes_reveal(request, public_id):
    access = access_contact(request.user, public_id)
    if not access.can_reveal_notes:
        raise PermissionDenied
    reason = request.POST.get("reason", "")
    try:
        do_reveal_notes(actor=request.user, contact=access.contact, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        request.session["notes_reason_draft"] = reason[:1000]  # what was typed is kept
    else:
        request.session.pop("notes_reason_draft", None)
        messages.success(request, _("Your reason is recorded."))
    stage = request.POST.get("stage", "")
    suffix = f"?stage={stage}" if stage.isdigit() else ""
    return redirect(reverse("hotline:contact-detail", args=[access.contact.public_id]) + suffix)
