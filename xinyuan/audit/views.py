from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from xinyuan.audit.actions import do_record_export
from xinyuan.audit.forms import AuditSearchForm
from xinyuan.audit.presentation import (
    action_label,
    field_labels,
    reason_for_auditor,
    record_label,
    role_label,
)
from xinyuan.audit.registry import review_queues
from xinyuan.audit.selectors import search_events
from xinyuan.core import permissions
from xinyuan.core.downloads import attachment
from xinyuan.core.exports import csv_bytes
from xinyuan.core.locale import join_list
from xinyuan.core.views_helpers import require_perm

EXPORT_LIMIT = 100_000


@require_GET
@require_perm(permissions.VIEW_AUDIT)
def event_list(request):
    form = AuditSearchForm(request.GET or None)
    invalid = form.is_bound and not form.is_valid()
    filters = {} if invalid or not form.is_bound else form.cleaned_data
    qs = search_events(request.user, filters)
    if request.GET.get("export") == "csv" and not invalid:
        return _export(request, qs, filters)
    rows = [
        {
            "event": e,
            "action": action_label(e.action),
            "role": role_label(e.actor_role),
            "record": record_label(e.target_type),
            "fields": field_labels(e),
            "reason": reason_for_auditor(e),
            "sealed_as": _sealed_as(e),
        }
        for e in ([] if invalid else qs[:200])
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
            "review_queues": review_queues(request.user),
        },
        status=422 if invalid else 200,
    )


def _export(request, qs, filters):
    events = list(qs[:EXPORT_LIMIT])
    do_record_export(actor=request.user, what="audit_events", count=len(events), filters=filters)
    # Headers, roles, actions and kinds of record in the reader's language, as on the page.
    header = [
        _("sequence in the sealed log"),
        _("event ID"),
        pgettext("time column", "when"),
        _("who"),
        _("role"),
        _("action"),
        _("record"),
        _("record ID"),
        _("fields"),
        _("reason"),
        pgettext("IP address column", "from"),
        _("browser or client"),
    ]
    rows = (
        [
            _sealed_as(e),
            e.public_id,
            timezone.localtime(e.created_at).isoformat(),
            e.actor.username if e.actor else "",
            role_label(e.actor_role),
            action_label(e.action),
            record_label(e.target_type),
            e.target_id,
            join_list(field_labels(e)),
            reason_for_auditor(e),
            e.ip,
            e.user_agent,
        ]
        for e in events
    )
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = attachment(f"audit-{stamp}.csv")
    return response


def _sealed_as(event) -> int | str:
    """The event's place in the sealed log, or empty in the seconds before it is sealed."""
    try:
        return event.seal.sequence
    except ObjectDoesNotExist:
        return ""
