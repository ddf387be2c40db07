"""Recording a confidentiality exception or public-safety escalation on a contact."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.core import permissions
from xinyuan.core.views_helpers import post_only, require_perm
from xinyuan.hotline.access import access_contact
from xinyuan.hotline.actions.disclosures import do_record_disclosure
from xinyuan.hotline.forms import DisclosureForm
from xinyuan.hotline.views.contact import render_contact_page


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)
def contact_disclosure_add(request, public_id):
    access = access_contact(request.user, public_id)
    if not access.can_disclose:
        raise PermissionDenied
    form = DisclosureForm(request.POST)
    if form.is_valid():
        try:
            do_record_disclosure(actor=request.user, contact=access.contact, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The disclosure is recorded."))
            url = reverse("hotline:contact-detail", args=[access.contact.public_id])
            return redirect(f"{url}#disclosures")
    return render_contact_page(request, access, status=422, disclosure_form=form)
