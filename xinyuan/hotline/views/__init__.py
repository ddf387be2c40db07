"""Pages of the counsellor workstation: the first page, starting a contact, the contact list.

The contact page and its posts are in ``views/contact.py``; one module per other concern."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinyuan.audit.actions import do_record_list_view
from xinyuan.cases import selectors as case_selectors
from xinyuan.core import permissions
from xinyuan.core.views_helpers import error_messages, require_perm
from xinyuan.hotline import actions, duty, extensions, selectors
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.forms import ContactFilterForm, StartContactForm
from xinyuan.hotline.models import ContactStatus

PAGE_SIZE = 50
MAX_PAGE = 200_000  # 10 million rows deep; a larger page number would overflow OFFSET
CONTACT_VIEWERS = (permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS)


def home(request):
    """Each role's first page, by what it may do."""
    user = request.user
    if permissions.has_any(user, *CONTACT_VIEWERS, permissions.ACKNOWLEDGE_ALERTS):
        return redirect("hotline:workstation")
    if permissions.has_perm(user, permissions.VIEW_AUDIT):
        return redirect("audit:events")
    if permissions.has_perm(user, permissions.MANAGE_TOKENS):
        return redirect("accounts:tokens")
    if permissions.has_perm(user, permissions.VIEW_STATISTICS):
        return redirect("reports:statistics")
    raise PermissionDenied


def _workstation_context(user, form) -> dict:
    mine = list(
        selectors.contacts_visible_to(user).filter(status=ContactStatus.OPEN, counsellor=user)[:40]
    )
    return {
        "form": form,
        "open_contacts": [c for c in mine if c.ended_at is None][:20],
        # Ended calls waiting for their record to be finished, with what is missing.
        "wrap_ups": [(c, actions.wrap_up_missing(c)) for c in mine if c.ended_at is not None],
        "due_follow_ups": case_selectors.due_follow_ups(user)[:10],
        "reminders": case_selectors.open_reminders(user)[:20],
        "now": timezone.now(),
        "can_handle": permissions.has_perm(user, permissions.HANDLE_CONTACTS),
        # Added by higher apps (training about to expire, …): ``hotline.extensions``.
        "notices": extensions.workstation_notices(user),
        # Beside the duty toggle: the shift the user is rostered on now (on duty by the rota).
        "shift_now": duty.current_shift(user)
        if permissions.has_perm(user, permissions.SET_DUTY)
        else None,
        "panels": extensions.workstation_panels(user),
    }


@require_GET
@require_perm(*CONTACT_VIEWERS, permissions.ACKNOWLEDGE_ALERTS)
def workstation(request):
    user = request.user
    last_seat = (
        selectors.contacts_visible_to(user)
        .filter(counsellor=user, seat__isnull=False)
        .values_list("seat__code", flat=True)
        .first()
    )
    form = StartContactForm(seats=selectors.seats_for(user), initial={"seat": last_seat})
    return render(request, "hotline/workstation.html", _workstation_context(user, form))


@require_POST
@require_perm(permissions.HANDLE_CONTACTS)
def contact_start(request):
    user = request.user
    seats = selectors.seats_for(user)
    form = StartContactForm(request.POST, seats=seats)
    if form.is_valid():
        data = form.cleaned_data
        seat = seats.filter(code=data["seat"]).first() if data["seat"] else None
        try:
            contact = actions.do_start_contact(
                actor=user,
                channel=data["channel"],
                seat=seat,
                caller_number=data["caller_number"],
                caller_chat_id=data["caller_chat_id"],
            )
        except ValidationError as exc:
            for message in error_messages(exc):
                form.add_error(None, message)
        else:
            return redirect("hotline:contact-detail", public_id=contact.public_id)
    return render(request, "hotline/workstation.html", _workstation_context(user, form), status=422)


@require_GET
@require_perm(*CONTACT_VIEWERS)
def contact_list(request):
    user = request.user
    counsellors = selectors.counsellors_for(user)
    form = ContactFilterForm(request.GET or None, counsellors=counsellors)
    qs = selectors.contacts_visible_to(user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    # A search cannot match words the reader may not read (field-level hiding).
    search_notes = permissions.has_perm(user, permissions.READ_CLINICAL_NOTES)
    qs = selectors.filter_contacts(qs, filters, search_notes=search_notes)
    # No COUNT(*) over a large table: fetch one row more than a page to know if there is a next.
    try:
        page_number = min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page_number = 1
    offset = (page_number - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    page = {
        "rows": rows[:PAGE_SIZE],
        "number": page_number,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page_number > 1,
    }
    if filters.get("q"):
        # Search results say something of what the records hold: a read of each, audited once.
        do_record_list_view(
            actor=user, model_label="hotline.contact", records=page["rows"], query=filters
        )
    query = request.GET.copy()
    query.pop("page", None)
    # "Resume" for a live contact the user may record; "Open" (read) for any other.
    editable = {c.pk for c in page["rows"] if decide_contact(user, c).can_edit}
    return render(
        request,
        "hotline/contact_list.html",
        {
            "form": form,
            "page": page,
            "editable": editable,
            "query": query.urlencode(),
            "show_counsellor_filter": permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS),
            "can_break_glass": permissions.has_perm(user, permissions.BREAK_GLASS),
            "typical_min": settings.CONTACT_TYPICAL_MINUTES[0],
            "typical_max": settings.CONTACT_TYPICAL_MINUTES[1],
        },
    )
