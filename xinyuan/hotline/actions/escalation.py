"""Escalation of the alerts nobody took in time (HL-05): the director and every supervisor of
the centre, on duty or not, see them then. Apart from ``risk`` so that the task queued at the
raise (``hotline.tasks``) and the raise itself import it without importing each other.

Each escalation is also e-mailed to the centre's directors and supervisors who have an address
(Django's e-mail framework, ``EMAIL_*`` settings): the contact's number, the level and how long
the alert has waited, and the link — never anything the caller said. The e-mail is a second
channel beside the panel, and it is sent by the task worker, never in a request: the
counsellor's page escalates while it waits (a poll during the call), and a slow, hanging or
refusing mail server must not hold that page. The escalation queues the task
``email_escalations`` in its own transaction (``queue_escalation_emails``); the sending is
``actions.escalation_mail``.
"""

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
    if alerts:
        queue_escalation_emails([alert.pk for alert in alerts])
    return len(alerts)


def queue_escalation_emails(alert_ids: list[int], *, after: timedelta = timedelta(0)) -> None:
    """Queue the e-mail of these escalated alerts for the task worker.

    Queuing in django-tasks-db is an insert in the same database, so it is done in the
    caller's transaction rather than on commit: the escalation never commits without its
    e-mail's task, and an escalation rolled back never queues one. (On commit, a process that
    died between the commit and the queuing would leave an escalation never e-mailed.) Nothing
    is sent here, so a request that escalates never waits for a mail server."""
    from xinyuan.hotline.mail_tasks import email_escalations

    email_escalations.using(run_after=timezone.now() + after).enqueue(list(alert_ids))
