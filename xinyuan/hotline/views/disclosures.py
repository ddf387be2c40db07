"""Recording a confidentiality exception or public-safety escalation on a contact."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.hotline import selectors
from xinyuan.hotline.actions.disclosures import do_record_disclosure
from xinyuan.hotline.forms import DisclosureForm


@require_POST
@require_perm(permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)
def contact_disclosure_add(request, public_id):
    from xinyuan.hotline.views import _detail_context

    contact = get_object_or_404(selectors.contacts_visible_to(request.user), public_id=public_id)
    form = DisclosureForm(request.POST)
    if form.is_valid():
        try:
            do_record_disclosure(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The disclosure is recorded."))
            url = reverse("hotline:contact-detail", args=[contact.public_id])
            return redirect(f"{url}#disclosures")
    context = _detail_context(request, contact, contact.current_stage, disclosure_form=form)
    return render(request, "hotline/contact_detail.html", context, status=422)
