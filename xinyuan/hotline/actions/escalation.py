"""Escalation of the alerts nobody took in time (HL-05): the director and every supervisor of
the centre, on duty or not, see them then. Apart from ``risk`` so that the task queued at the
raise (``hotline.tasks``) and the raise itself import it without importing each other."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyuan.audit.actions import record
from xinyuan.hotline.models import RiskAlert


def escalate_after() -> timedelta:
    return timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)


@transaction.atomic
def do_escalate_due_alerts(*, organisation_id: int | None = None, contact=None) -> int:
    """Escalate the alerts nobody took within ``ALERT_ESCALATE_MINUTES``: recorded once each
    (the system is the actor). Run by the task queued at the raise, and by the counsellor's
    page while it waits for the acknowledgement — either is enough; a second run finds
    nothing."""
    due = RiskAlert.objects.select_for_update(skip_locked=True).filter(
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        created_at__lte=timezone.now() - escalate_after(),
    )
    if organisation_id is not None:
        due = due.filter(organisation_id=organisation_id)
    if contact is not None:
        due = due.filter(contact=contact)
    alerts = list(due)
    now = timezone.now()
    for alert in alerts:
        RiskAlert.objects.filter(pk=alert.pk).update(escalated_at=now, updated_at=now)
        record(
            actor=None,
            action="escalate",
            target=alert,
            changes={
                "level": alert.level,
                "waited_seconds": int((now - alert.created_at).total_seconds()),
            },
        )
    return len(alerts)
