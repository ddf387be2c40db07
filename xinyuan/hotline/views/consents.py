"""Recording and withdrawing the caller's consent on the contact page (PR-04)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinyuan.cases.actions.consent import do_record_consent, do_withdraw_consent
from xinyuan.cases.forms import ConsentForm
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.hotline import selectors


def _back(contact):
    return redirect(reverse("hotline:contact-detail", args=[contact.public_id]) + "#consents")


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_consent_add(request, public_id):
    from xinyuan.hotline.views import _detail_context

    contact = get_object_or_404(selectors.contacts_visible_to(request.user), public_id=public_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            do_record_consent(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The consent is recorded."))
            return _back(contact)
    context = _detail_context(request, contact, contact.current_stage, consent_form=form)
    return render(request, "hotline/contact_detail.html", context, status=422)


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_consent_withdraw(request, public_id, consent_id):
    contact = get_object_or_404(selectors.contacts_visible_to(request.user), public_id=public_id)
    # The caller's consents from earlier contacts can be withdrawn in this one.
    consents = {c.public_id: c for c in selectors.consents_for(contact)}
    consent = consents.get(consent_id)
    if consent is None:
        raise Http404
    try:
        do_withdraw_consent(
            actor=request.user,
            consent=consent,
            note=request.POST.get("note", ""),
            current_contact=contact,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The withdrawal is recorded and respected from now on."))
    return _back(contact)
