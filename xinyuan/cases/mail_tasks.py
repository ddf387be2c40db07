"""The e-mail of overdue follow-ups' escalations (django-tasks, run by ``manage.py db_worker``);
queued by the escalation sweep (``cases.actions.policy``)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def email_overdue_escalations() -> dict[str, int]:
    """E-mail the escalations not yet e-mailed (each once); a refusing server: again later."""
    from xinyuan.cases.actions.escalation_mail import (
        EMAIL_RETRY_EVERY,
        send_overdue_escalation_emails,
    )

    outcome = send_overdue_escalation_emails()
    if outcome.refused:
        email_overdue_escalations.using(run_after=timezone.now() + EMAIL_RETRY_EVERY).enqueue()
    return {"sent": outcome.sent, "escalations": outcome.escalations, "refused": outcome.refused}
