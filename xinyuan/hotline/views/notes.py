"""A director asks to read a contact's clinical notes, stating why."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.hotline import selectors
from xinyuan.hotline.actions.notes import do_reveal_notes
from xinyuan.hotline.clinical_text import remember_reveal


@require_POST
@require_perm(permissions.REVEAL_CLINICAL_NOTES)
def contact_notes_reveal(request, public_id):
    contact = get_object_or_404(selectors.contacts_visible_to(request.user), public_id=public_id)
    try:
        do_reveal_notes(actor=request.user, contact=contact, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        request.session["notes_reason_draft"] = request.POST.get("reason", "")[:1000]
    else:
        remember_reveal(request, contact)
        request.session.pop("notes_reason_draft", None)
        messages.success(request, _("Your reason is recorded."))
    stage = request.POST.get("stage", "")
    suffix = f"?stage={stage}" if stage.isdigit() else ""
    return redirect(reverse("hotline:contact-detail", args=[contact.public_id]) + suffix)
