"""Escalation of the alerts nobody took in time (HL-05): the director and every supervisor of
the centre, on duty or not, see them then. Apart from ``risk`` so that the task queued at the
raise (``hotline.tasks``) and the raise itself import it without importing each other.

Each escalation is also e-mailed, once the escalation has committed, to the centre's directors
and supervisors who have an address (Django's e-mail framework, ``EMAIL_*`` settings): the
contact's number, the level and how long the alert has waited, and the link — never anything
the caller said. The e-mail is a second channel beside the panel: a mail server that refuses is
logged and changes nothing recorded."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinyuan.accounts.models import User
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.hotline.models import RiskAlert

log = logging.getLogger(__name__)


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
        ids = [alert.pk for alert in alerts]
        transaction.on_commit(lambda: send_escalation_emails(ids))
    return len(alerts)


def escalation_recipients(organisation_id: int) -> list[str]:
    """The addresses of the centre's active directors and supervisors (those who take alerts)."""
    return list(
        User.objects.filter(
            organisation_id=organisation_id,
            role__in=permissions.roles_with(permissions.ACKNOWLEDGE_ALERTS),
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def send_escalation_emails(alert_ids: list[int]) -> int:
    """One e-mail per escalated alert to its centre's alert takers; returns how many were sent.
    Runs after the escalation committed; a failure is logged, never raised."""
    sent = 0
    alerts = RiskAlert.objects.filter(pk__in=alert_ids).select_related("contact")
    for alert in alerts:
        recipients = escalation_recipients(alert.organisation_id)
        if not recipients:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            number = alert.contact.number or str(alert.contact.public_id)[:8]
            minutes = max(1, int((timezone.now() - alert.created_at).total_seconds() // 60))
            subject = _("[Xinyuan] High-risk alert not taken: contact %(number)s") % {
                "number": number
            }
            body = _(
                "A high-risk alert (risk level: %(level)s) on contact %(number)s has waited "
                "%(minutes)s minutes and nobody has taken it. Open it and take it, or call the "
                "counsellor:\n%(url)s\n\n"
                "This e-mail holds nothing the caller said; the record is in Xinyuan."
            ) % {
                "level": alert.get_level_display(),
                "number": number,
                "minutes": minutes,
                "url": settings.BASE_URL
                + reverse("hotline:contact-detail", args=[alert.contact.public_id]),
            }
        try:
            send_mail(subject, body, None, recipients, fail_silently=False)
            sent += 1
        except Exception:  # noqa: BLE001 - the panel already shows it; log and go on
            log.exception("escalation e-mail for alert %s not sent", alert.public_id)
    return sent
