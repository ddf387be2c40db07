"""Complaints and feedback (HL-15) for supervisors and directors: the list with a status filter
and overdue marker, an entry taken by phone, and handling one to its outcome."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinyuan.core import permissions
from xinyuan.core.views_helpers import add_form_errors, require_perm
from xinyuan.operations import selectors
from xinyuan.operations.access import access_complaint
from xinyuan.operations.actions.complaints import do_handle_complaint, do_record_complaint
from xinyuan.operations.forms import ComplaintEntryForm, ComplaintFilterForm, ComplaintHandleForm
from xinyuan.operations.models import ComplaintStatus

LIST_LIMIT = 200


@require_GET
@require_perm(permissions.HANDLE_COMPLAINTS)
def complaint_list(request):
    form = ComplaintFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    qs = selectors.complaints_visible_to(request.user)
    if status == "open":
        qs = qs.exclude(status=ComplaintStatus.RESOLVED)
    elif status:
        qs = qs.filter(status=status)
    now = timezone.now()
    rows = [(c, selectors.is_overdue(c, now)) for c in qs[:LIST_LIMIT]]
    return render(
        request,
        "operations/complaint_list.html",
        {
            "rows": rows,
            "filter_form": form,
            "overdue_days": settings.COMPLAINT_OVERDUE_DAYS,
            "portal_centre": request.user.organisation,
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.HANDLE_COMPLAINTS)
def complaint_add(request):
    form = ComplaintEntryForm(
        request.POST or None,
        initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = do_record_complaint(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Entered. Reference %(reference)s (give it to the person if they ask).")
                % {"reference": complaint.reference},
            )
            return redirect("operations:complaint-detail", public_id=complaint.public_id)
    return render(
        request,
        "operations/complaint_form.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.HANDLE_COMPLAINTS)
def complaint_detail(request, public_id):
    access = access_complaint(request.user, public_id)
    complaint = access.complaint
    form = ComplaintHandleForm(
        request.POST or None,
        handlers=selectors.complaint_handlers(request.user),
        initial={
            "owner": complaint.owner,
            "status": complaint.status,
            "outcome": complaint.outcome,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            do_handle_complaint(actor=request.user, complaint=complaint, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("operations:complaint-detail", public_id=complaint.public_id)
    return render(
        request,
        "operations/complaint_detail.html",
        {
            "complaint": complaint,
            "form": form,
            "overdue": selectors.is_overdue(complaint),
            "overdue_days": settings.COMPLAINT_OVERDUE_DAYS,
        },
        status=422 if request.method == "POST" else 200,
    )
