"""A director places a contact under legal hold (HL-13), or lifts it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.core import permissions
from xinyuan.core.views_helpers import post_only, require_perm
from xinyuan.hotline.access import access_contact
from xinyuan.hotline.actions.retention import do_set_legal_hold


@post_only("hotline:contact-detail")
@require_perm(permissions.SET_LEGAL_HOLD)
def contact_legal_hold(request, public_id):
    access = access_contact(request.user, public_id)
    if not access.can_hold:
        raise PermissionDenied
    hold = request.POST.get("hold") == "1"
    try:
        do_set_legal_hold(
            actor=request.user,
            contact=access.contact,
            hold=hold,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The legal hold is set.") if hold else _("The legal hold is lifted.")
        )
    url = reverse("hotline:contact-detail", args=[access.contact.public_id])
    return redirect(url + "#retention")
