from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinyuan.accounts import permissions
from xinyuan.audit.actions import do_record_export
from xinyuan.audit.forms import AuditSearchForm
from xinyuan.audit.presentation import (
    action_label,
    field_labels,
    reason_for_auditor,
    record_label,
    role_label,
)
from xinyuan.audit.selectors import search_events
from xinyuan.core.exports import csv_bytes
from xinyuan.core.views_helpers import require_perm
from xinyuan.hotline.actions.break_glass import do_review_break_glass
from xinyuan.hotline.forms import BreakGlassReviewForm
from xinyuan.hotline.selectors import break_glass_accesses_for_review

EXPORT_LIMIT = 100_000


@require_GET
@require_perm(permissions.VIEW_AUDIT)
def event_list(request):
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = search_events(request.user, filters)
    if request.GET.get("export") == "csv" and not form.errors:
        return _export(request, qs, filters)
    rows = [
        {
            "event": e,
            "action": action_label(e.action),
            "role": role_label(e.actor_role),
            "record": record_label(e.target_type),
            "fields": field_labels(e),
            "reason": reason_for_auditor(e),
        }
        for e in qs[:200]
    ]
    query = request.GET.copy()
    query["export"] = "csv"
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "events": rows,
            "export_query": query.urlencode(),
            "break_glass_open": break_glass_accesses_for_review(request.user)
            .filter(reviewed_at__isnull=True)
            .count(),
        },
    )


def _export(request, qs, filters):
    events = list(qs[:EXPORT_LIMIT])
    do_record_export(actor=request.user, what="audit_events", count=len(events), filters=filters)
    header = ["sequence", "time", "user", "role", "action", "record_type", "record_id", "fields",
              "reason", "ip", "user_agent"]  # fmt: skip
    rows = (
        [
            e.sequence,
            timezone.localtime(e.created_at).isoformat(),
            e.actor.username if e.actor else "",
            e.actor_role,
            e.action,
            e.target_type,
            e.target_id,
            "; ".join(field_labels(e)),
            reason_for_auditor(e),
            e.ip,
            e.user_agent,
        ]
        for e in events
    )
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@require_GET
@require_perm(permissions.VIEW_AUDIT)
def break_glass_list(request):
    """Emergency accesses to this centre's records: open ones first, each to be reviewed."""
    accesses = list(
        break_glass_accesses_for_review(request.user).order_by(
            F("reviewed_at").asc(nulls_first=True), "-created_at"
        )[:200]
    )
    return render(
        request,
        "audit/break_glass_list.html",
        {"accesses": accesses, "review_form": BreakGlassReviewForm(), "now": timezone.now()},
    )


@require_POST
@require_perm(permissions.VIEW_AUDIT)
def break_glass_review(request, public_id):
    access = get_object_or_404(break_glass_accesses_for_review(request.user), public_id=public_id)
    form = BreakGlassReviewForm(request.POST)
    if form.is_valid():
        try:
            do_review_break_glass(actor=request.user, access=access, note=form.cleaned_data["note"])
            messages.success(request, _("The emergency access is marked as reviewed."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("audit:break-glass")
