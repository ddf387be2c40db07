"""The escalation e-mail's task (django-tasks, run by ``manage.py db_worker``). Apart from
``hotline.tasks`` so that the escalation that queues it, and the task that escalates, import
each other's modules without a cycle."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def email_escalations(alert_ids: list[int]) -> int:
    """E-mail these escalated alerts to their centre's alert takers (queued by the escalation,
    in its transaction); each alert at most once, so a re-run sends nothing twice. The alerts
    the mail server refused are queued again for ``EMAIL_RETRY_EVERY`` later (until
    ``EMAIL_RETRY_FOR`` after the escalation, or until someone takes the alert). Returns the
    number of e-mails sent."""
    from xinyuan.hotline.actions.escalation_mail import EMAIL_RETRY_EVERY, send_escalation_emails

    outcome = send_escalation_emails(alert_ids)
    if outcome.refused:
        email_escalations.using(run_after=timezone.now() + EMAIL_RETRY_EVERY).enqueue(
            outcome.refused
        )
    return outcome.sent
