"""Recording and withdrawing the caller's consent on the contact page (PR-04)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.cases.forms import ConsentForm
from xinyuan.cases.selectors import consents_for
from xinyuan.core import permissions
from xinyuan.core.views_helpers import post_only, require_perm
from xinyuan.hotline.access import access_contact
from xinyuan.hotline.actions import do_record_consent, do_withdraw_consent
from xinyuan.hotline.views.contact import render_contact_page


def _back(contact):
    return redirect(reverse("hotline:contact-detail", args=[contact.public_id]) + "#consents")


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_consent_add(request, public_id):
    access = access_contact(request.user, public_id, edit=True)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            do_record_consent(actor=request.user, contact=access.contact, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The consent is recorded."))
            return _back(access.contact)
    return render_contact_page(request, access, status=422, consent_form=form)


@post_only("hotline:contact-detail")
@require_perm(permissions.HANDLE_CONTACTS)
def contact_consent_withdraw(request, public_id, consent_id):
    access = access_contact(request.user, public_id, edit=True)
    # The caller's consents from earlier contacts can be withdrawn in this one.
    consent = {c.public_id: c for c in consents_for(access.contact)}.get(consent_id)
    if consent is None:
        raise Http404
    try:
        do_withdraw_consent(
            actor=request.user,
            consent=consent,
            note=request.POST.get("note", ""),
            current_contact=access.contact,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The withdrawal is recorded and respected from now on."))
    return _back(access.contact)
