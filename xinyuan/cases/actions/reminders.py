"""Follow-up reminders (HL-06): a follow-up coming due reminds its counsellor; an overdue one
reminds the counsellor again and is escalated to the organisation's supervisors.

The sweep is a scan, not a schedule: it looks at every scheduled follow-up that is due within
the lead time and creates the reminders the rule (``rules.reminders_due``) says it should have
and it does not have yet. Each follow-up is handled in its own short transaction that creates
its reminders and their audit events together, so a sweep cut off at any point (a worker killed
with SIGKILL) leaves every follow-up either fully reminded or untouched, and the next sweep
finishes the job. The unique constraint on (follow-up, kind) keeps a reminder from being
created twice even when two sweeps run at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinyuan.audit.actions import record
from xinyuan.cases import rules, selectors
from xinyuan.cases.access import decide_reminder
from xinyuan.cases.models import FollowUp, FollowUpReminder, FollowUpStatus, ReminderKind
from xinyuan.core.errors import PermissionDeniedError


def reminder_lead() -> timedelta:
    return timedelta(minutes=settings.FOLLOW_UP_REMINDER_LEAD_MINUTES)


@dataclass
class ReminderSweep:
    follow_ups: int = 0  # follow-ups that needed a reminder when the sweep began
    created: int = 0  # reminders created by this sweep

    def as_dict(self) -> dict[str, int]:
        return {"follow_ups": self.follow_ups, "created": self.created}


def do_send_follow_up_reminders(
    *, now: datetime | None = None, lead: timedelta | None = None
) -> ReminderSweep:
    """Create the missing reminders of every scheduled follow-up due within ``lead``.

    Not one transaction: one per follow-up (see the module docstring). Safe to run again at
    any time, and at the same time as another sweep.
    """
    now = now or timezone.now()
    lead = reminder_lead() if lead is None else lead
    sweep = ReminderSweep()
    pks = list(
        selectors.follow_ups_needing_reminders(now=now, lead=lead).values_list("pk", flat=True)
    )
    for pk in pks:
        sweep.follow_ups += 1
        sweep.created += _remind(pk, now=now, lead=lead)
    return sweep


@transaction.atomic
def _remind(pk: int, *, now: datetime, lead: timedelta) -> int:
    # The row lock serialises two sweeps on the same follow-up (PostgreSQL; SQLite's IMMEDIATE
    # transactions already serialise writers), and makes a follow-up recorded meanwhile skip.
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .filter(pk=pk, status=FollowUpStatus.SCHEDULED)
        .select_related("assigned_to")
        .first()
    )
    if follow_up is None:
        return 0
    wanted = rules.reminders_due(follow_up.due_at, now, lead)
    have = set(FollowUpReminder.objects.filter(follow_up=follow_up).values_list("kind", flat=True))
    created = 0
    for kind in sorted(wanted - have):
        recipient = None if kind == ReminderKind.ESCALATED else follow_up.assigned_to
        reminder = FollowUpReminder.objects.create(
            organisation_id=follow_up.organisation_id,
            follow_up=follow_up,
            kind=kind,
            recipient=recipient,
            rule_version=rules.REMINDER_RULE_VERSION,
        )
        record(
            actor=None,
            action="create",
            target=reminder,
            changes={
                "kind": kind,
                "follow_up": follow_up.public_id,
                "due_at": follow_up.due_at,
                "recipient": recipient.username if recipient else "",
            },
        )
        created += 1
    return created


@transaction.atomic
def do_mark_reminder_read(*, actor, reminder: FollowUpReminder) -> FollowUpReminder:
    """The recipient has seen the reminder: it leaves their list. Marking it again changes
    nothing and records nothing."""
    if not decide_reminder(actor, reminder).can_mark_read:
        raise PermissionDeniedError
    now = timezone.now()
    updated = FollowUpReminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(
        read_at=now, read_by=actor, updated_at=now
    )
    reminder.refresh_from_db()
    if updated:
        record(actor=actor, action="update", target=reminder, changes={"read_at": [None, now]})
    return reminder
