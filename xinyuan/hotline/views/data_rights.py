"""A person's rights under PIPL, handled by the centre's director: a copy of everything held
about them, and erasure (anonymisation) on an approved request."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinyuan.audit.actions import do_record_export
from xinyuan.cases.access import access_person
from xinyuan.core import permissions
from xinyuan.core.downloads import attachment
from xinyuan.core.views_helpers import require_perm, safe_next
from xinyuan.hotline import selectors
from xinyuan.hotline.actions.notes import MAX_REASON_LENGTH, MIN_REASON_LENGTH, do_reveal_notes
from xinyuan.hotline.actions.retention import MAX_REFERENCE_LENGTH, do_anonymise_person_on_request
from xinyuan.hotline.models import Contact


def _reference(request) -> str:
    return (request.POST.get("reference") or "").strip()


@require_POST
@require_perm(permissions.HANDLE_DATA_REQUESTS)
def person_export(request, public_id):
    """The copy of a person's data. Without a reason to read the notes, the clinical words are
    left out (as everywhere for a director); with one, each contact's notes are revealed
    (audited with that reason) and included."""
    access = access_person(request.user, public_id, require="can_handle_data_requests")
    person = access.person
    reference = _reference(request)
    notes_reason = (request.POST.get("notes_reason") or "").strip()
    back = safe_next(request, "hotline:contact-list")
    if not 3 <= len(reference) <= MAX_REFERENCE_LENGTH:
        messages.error(
            request,
            _("Give the reference of the person's request (3 to %(n)s characters).")
            % {"n": MAX_REFERENCE_LENGTH},
        )
        return redirect(back)
    if notes_reason and not MIN_REASON_LENGTH <= len(notes_reason) <= MAX_REASON_LENGTH:
        messages.error(
            request,
            _("Say why the copy must include the notes (%(min)s to %(max)s characters).")
            % {"min": MIN_REASON_LENGTH, "max": MAX_REASON_LENGTH},
        )
        return redirect(back)
    reader_reads_notes = not access.copy_needs_notes_reason
    with transaction.atomic():
        with_notes = reader_reads_notes
        if notes_reason and not reader_reads_notes:
            for contact in Contact.objects.filter(person=person):
                do_reveal_notes(actor=request.user, contact=contact, reason=notes_reason)
            with_notes = True
        data = selectors.person_data(person, with_notes=with_notes)
        do_record_export(
            actor=request.user,
            what="person_data",
            count=len(data["contacts"]),
            filters={"reference": reference, "clinical_notes": with_notes},
            subject=person,
        )
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = attachment(f"person-{person.public_id}-{stamp}.json")
    return response


@require_POST
@require_perm(permissions.HANDLE_DATA_REQUESTS)
def person_erase(request, public_id):
    access = access_person(request.user, public_id, require="can_handle_data_requests")
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the request was approved."))
    else:
        try:
            n = do_anonymise_person_on_request(
                actor=request.user, person=access.person, reference=_reference(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The person's data is anonymised (%(n)s contacts).") % {"n": n},
            )
    return redirect(safe_next(request, "hotline:contact-list"))
