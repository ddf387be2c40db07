from django.shortcuts import render
from django.views.decorators.http import require_GET

from xinyuan.accounts import permissions
from xinyuan.audit.presentation import action_label, field_labels
from xinyuan.audit.selectors import audit_events_visible_to
from xinyuan.core.views_helpers import require_perm


@require_GET
@require_perm(permissions.VIEW_AUDIT)
def event_list(request):
    qs = audit_events_visible_to(request.user)
    user = request.GET.get("user", "").strip()
    target = request.GET.get("target", "").strip()
    if user:
        qs = qs.filter(actor__username=user)
    if target:
        try:
            import uuid

            qs = qs.filter(target_id=uuid.UUID(target))
        except ValueError:
            qs = qs.none()
    return render(
        request,
        "audit/event_list.html",
        {
            "events": [
                {"event": e, "action": action_label(e.action), "fields": field_labels(e)}
                for e in qs[:200]
            ],
            "user_filter": user,
            "target_filter": target,
        },
    )
