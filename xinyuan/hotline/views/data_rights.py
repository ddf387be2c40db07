"""A person's rights under PIPL, handled by the centre's director: a copy of everything held
about them, and erasure (anonymisation) on an approved request."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinyuan.audit.actions import do_record_export
from xinyuan.cases.selectors import persons_visible_to
from xinyuan.core import permissions
from xinyuan.core.downloads import attachment
from xinyuan.core.views_helpers import require_perm, safe_next
from xinyuan.hotline import selectors
from xinyuan.hotline.actions.retention import do_anonymise_person_on_request


def _reference(request) -> str:
    return (request.POST.get("reference") or "").strip()[:200]


@require_POST
@require_perm(permissions.HANDLE_DATA_REQUESTS)
def person_export(request, public_id):
    person = get_object_or_404(persons_visible_to(request.user), public_id=public_id)
    reference = _reference(request)
    if len(reference) < 3:
        messages.error(request, _("Give the reference of the person's request."))
        return redirect(safe_next(request, "hotline:contact-list"))
    data = selectors.person_data(request.user, person)
    do_record_export(
        actor=request.user,
        what="person_data",
        count=len(data["contacts"]),
        filters={"person": str(person.public_id), "reference": reference},
    )
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = attachment(f"person-{person.label}-{stamp}.json")
    return response


@require_POST
@require_perm(permissions.HANDLE_DATA_REQUESTS)
def person_erase(request, public_id):
    person = get_object_or_404(persons_visible_to(request.user), public_id=public_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the request was approved."))
    else:
        try:
            n = do_anonymise_person_on_request(
                actor=request.user, person=person, reference=_reference(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The person's data is anonymised (%(n)s contacts).") % {"n": n},
            )
    return redirect(safe_next(request, "hotline:contact-list"))
