"""The e-mail of escalated alerts, sent by the task worker (``hotline.mail_tasks``), never in a
request: one message per alert to the centre's directors and supervisors who have an address —
the contact's number, the level, how long it has waited or why it went out at once, and the
link; never anything the caller said.

Never twice: ``RiskAlert.emailed_at`` is claimed (a conditional update, committed) before the
message goes to the server, so a task run again (``core.worker.requeue_stale_tasks``) or run
twice at once sends nothing more. A server that refuses is logged, the claim is cleared, and the
task queues itself again for the refused alerts every ``EMAIL_RETRY_EVERY`` while they are
escalated less than ``EMAIL_RETRY_FOR`` ago and nobody has taken them (an alert taken meanwhile
is not e-mailed: the message would say nobody took it). The one way to lose an e-mail is a
worker killed while the server is taking it; the panel shows the escalation regardless.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import NamedTuple

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

# While the mail server refuses, an escalation's e-mail is tried again this often, for this long
# after the escalation.
EMAIL_RETRY_EVERY = timedelta(minutes=5)
EMAIL_RETRY_FOR = timedelta(hours=6)


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


class EmailOutcome(NamedTuple):
    sent: int  # e-mails the server accepted
    refused: list[int]  # alerts whose e-mail the server refused: still to be sent


def _claim(alert_pk: int, now) -> bool:
    """Mark the alert e-mailed unless it already is (or was taken, or is past retrying); True
    if this run is the one to send it. Committed at once: no lock is held while the server
    answers (taking the alert locks its row)."""
    return bool(
        RiskAlert.objects.filter(
            pk=alert_pk,
            emailed_at__isnull=True,
            acknowledged_at__isnull=True,
            escalated_at__gte=now - EMAIL_RETRY_FOR,
        ).update(emailed_at=now)
    )


def send_escalation_emails(alert_ids: list[int]) -> EmailOutcome:
    """One e-mail per escalated alert to its centre's alert takers, each alert at most once
    (``emailed_at``). Run by the task worker (``hotline.mail_tasks.email_escalations``), never in a
    request. A refusing server is logged, never raised: the alert is left to be retried."""
    sent, refused = 0, []
    alerts = RiskAlert.objects.filter(pk__in=alert_ids).select_related("contact").order_by("pk")
    for alert in alerts:
        if not _claim(alert.pk, timezone.now()):
            continue
        recipients = escalation_recipients(alert.organisation_id)
        if not recipients:
            continue  # nobody to write to: claimed, nothing to retry
        subject, body = _message(alert)
        try:
            send_mail(subject, body, None, recipients, fail_silently=False)
        except Exception:  # noqa: BLE001 - the panel already shows it; log, retry later
            log.exception("escalation e-mail for alert %s not sent", alert.public_id)
            RiskAlert.objects.filter(pk=alert.pk).update(emailed_at=None)
            refused.append(alert.pk)
            continue
        sent += 1
        with transaction.atomic():
            record(
                actor=None,
                action="email_escalation",
                target=alert,
                changes={"recipients": len(recipients)},
            )
    return EmailOutcome(sent, refused)


def _message(alert: RiskAlert) -> tuple[str, str]:
    """The e-mail of an escalated alert: one that waited (nobody took it in time), or one
    escalated as it was raised (a public-safety report, or nobody on duty). Never anything the
    caller said."""
    from xinyuan.hotline.models import AlertKind

    with translation.override(settings.LANGUAGE_CODE):
        number = alert.contact.number or str(alert.contact.public_id)[:8]
        minutes = max(1, int((timezone.now() - alert.created_at).total_seconds() // 60))
        facts = {
            "level": alert.get_level_display(),
            "number": number,
            "minutes": minutes,
            "url": settings.BASE_URL
            + reverse("hotline:contact-detail", args=[alert.contact.public_id]),
        }
        at_raise = alert.escalated_at is not None and alert.escalated_at - alert.created_at < (
            timedelta(seconds=5)
        )
        if alert.kind == AlertKind.PUBLIC_SAFETY:
            subject = _("[Xinyuan] Risk to others reported: contact %(number)s") % facts
            lead = _(
                "A counsellor reported a risk to other people's safety on contact %(number)s "
                "(%(minutes)s minutes ago). It went at once to the director and every supervisor."
            )
        elif at_raise:
            subject = _("[Xinyuan] High-risk alert with no supervisor on duty: contact %(number)s")
            subject %= facts
            lead = _(
                "A high-risk alert (risk level: %(level)s) was raised on contact %(number)s "
                "%(minutes)s minutes ago while no supervisor was on duty. It went at once to the "
                "director and every supervisor."
            )
        else:
            subject = _("[Xinyuan] High-risk alert not taken: contact %(number)s") % facts
            lead = _(
                "A high-risk alert (risk level: %(level)s) on contact %(number)s has waited "
                "%(minutes)s minutes and nobody has taken it."
            )
        body = (
            lead % facts
            + " "
            + _("Open it and take it, or call the counsellor:\n%(url)s") % facts
            + "\n\n"
            + _("This e-mail holds nothing the caller said; the record is in Xinyuan.")
        )
    return subject, body
