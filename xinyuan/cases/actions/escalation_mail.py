"""The e-mail of overdue follow-ups' escalations (CM-04, HL-06), sent by the task worker
(``cases.mail_tasks``), never in a request: one message per centre to its supervisors and
directors, listing the follow-ups escalated and not yet e-mailed — labels, workers and dates,
nothing the person said. Each escalation is claimed (``emailed_at``, committed) before its
message goes out, so a task run again at once sends nothing twice, and marked ``mail_sent_at``
when the server accepted it. A refusing server clears the claims and the task tries again
``EMAIL_RETRY_EVERY`` later; a claim never confirmed (the worker killed while sending) is
claimed again after ``CLAIM_TIMEOUT``: an escalation's e-mail goes at least once, never lost."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinyuan.cases.models import FollowUpEscalation
from xinyuan.core import permissions

log = logging.getLogger(__name__)

EMAIL_RETRY_EVERY = timedelta(minutes=5)
CLAIM_TIMEOUT = timedelta(minutes=10)


def unsent(now: datetime):
    """Escalations whose e-mail is still to go: never claimed, or claimed by a run that never
    confirmed it (killed while sending)."""
    return Q(emailed_at__isnull=True) | Q(
        mail_sent_at__isnull=True, emailed_at__lt=now - CLAIM_TIMEOUT
    )


def escalation_recipients(organisation_id: int) -> list[str]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            organisation_id=organisation_id,
            role__in=permissions.roles_with(permissions.ACKNOWLEDGE_ALERTS),
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


@dataclass
class EscalationMail:
    sent: int = 0  # e-mails the server accepted (one per centre per run)
    escalations: int = 0  # escalations those e-mails carried
    refused: int = 0  # escalations left to a later try


def send_overdue_escalation_emails(*, now: datetime | None = None) -> EscalationMail:
    """One e-mail per centre listing its overdue follow-ups escalated and not yet e-mailed, to
    its supervisors and directors. Run by the worker, never in a request. Each escalation is
    claimed before the message goes out (never twice); a refusing server clears the claims and
    the task tries again later. Only labels, workers and dates: nothing the person said."""
    fixed = now  # a test's clock; otherwise each claim is stamped at the moment it is made
    now = now or timezone.now()

    def clock() -> datetime:
        return fixed or timezone.now()

    outcome = EscalationMail()
    # An escalation not e-mailed within two days is stale: the next day's replaces it.
    since = timezone.localdate(now) - timedelta(days=1)
    pending = (
        FollowUpEscalation.objects.filter(unsent(now), day__gte=since)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    for organisation_id in sorted(set(pending)):
        ids = list(
            FollowUpEscalation.objects.filter(
                unsent(now), organisation_id=organisation_id, day__gte=since
            ).values_list("pk", flat=True)[:500]
        )
        # Each claim stamped when it is made (a later centre's claims are not already stale
        # after a slow mail server), and only while still unsent at that moment.
        claimed = [
            pk
            for pk in ids
            if FollowUpEscalation.objects.filter(unsent(clock()), pk=pk).update(emailed_at=clock())
        ]
        if not claimed:
            continue
        recipients = escalation_recipients(organisation_id)
        if not recipients:
            # Nobody to tell by e-mail (the app shows them): settled, never retried.
            FollowUpEscalation.objects.filter(pk__in=claimed).update(mail_sent_at=clock())
            continue
        rows = list(
            FollowUpEscalation.objects.filter(pk__in=claimed)
            .select_related("follow_up__person", "follow_up__assigned_to")
            .order_by("follow_up__due_at")
        )
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("%(n)s overdue follow-ups need a supervisor") % {"n": len(rows)}
            lines = [
                _("%(label)s · due %(due)s · %(worker)s · %(days)s days overdue")
                % {
                    "label": row.follow_up.person.label if row.follow_up.person else "—",
                    "due": timezone.localtime(row.follow_up.due_at).strftime("%Y-%m-%d %H:%M"),
                    "worker": row.follow_up.assigned_to.work_name,
                    "days": max(0, (now - row.follow_up.due_at).days),
                }
                for row in rows
            ]
            body = "\n".join(
                [
                    _("These follow-ups are past due and not recorded. Please see to them today."),
                    "",
                    *lines,
                    "",
                    settings.BASE_URL.rstrip("/") + reverse("cases:follow-up-list") + "?overdue=1",
                ]
            )
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # noqa: BLE001 - any refusal: logged, retried later
            log.exception("The mail server refused the overdue follow-up e-mail")
            FollowUpEscalation.objects.filter(pk__in=claimed).update(emailed_at=None)
            outcome.refused += len(claimed)
            continue
        FollowUpEscalation.objects.filter(pk__in=claimed).update(mail_sent_at=clock())
        outcome.sent += 1
        outcome.escalations += len(claimed)
    return outcome
