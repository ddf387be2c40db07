"""The follow-up engine (CM-04, HL-06): the centre's policy, the follow-ups it books, follow-ups
booked by hand from a file, and the daily escalation of overdue follow-ups.

- After a follow-up is done and its result does not call for another within 24 hours
  (``hotline.actions.do_record_follow_up`` books that one), the policy books the next
  (``rules.next_follow_up``): the next step of the centre's schedule after a high-risk contact,
  every few days while a high-risk report is open, regularly for a person in the programme.
- A high-risk report to the community (CM-06) intensifies the visits: a follow-up within 24
  hours unless one is already due by then.
- The escalation sweep (``do_escalate_overdue_follow_ups``) gives every overdue follow-up one
  escalation per local day, in its own short transaction with its audit event; the unique
  (follow-up, day) constraint keeps it at one even when two sweeps run at once, and a sweep cut
  off (a worker killed) is finished by the next. The e-mail to the centre's supervisors and
  directors is sent by the worker afterwards (``cases.actions.escalation_mail``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts.models import Organisation
from xinyuan.audit.actions import record
from xinyuan.cases import rules
from xinyuan.cases.access import decide_person
from xinyuan.cases.actions.escalation_mail import unsent
from xinyuan.cases.models import (
    CommunityReport,
    FollowUp,
    FollowUpEscalation,
    FollowUpKind,
    FollowUpPolicy,
    FollowUpStatus,
    Person,
)
from xinyuan.cases.selectors import assignable_workers
from xinyuan.cases.tasks import schedule_follow_up_reminders
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError, PermissionDeniedError

MAX_BOOK_AHEAD = timedelta(days=366)


def policy_for(organisation_id: int) -> FollowUpPolicy:
    """The centre's policy, or the defaults (an unsaved row) if it never set one."""
    found = FollowUpPolicy.objects.filter(organisation_id=organisation_id).first()
    return found or FollowUpPolicy(organisation_id=organisation_id, version=0)


@transaction.atomic
def do_save_follow_up_policy(*, actor, data: dict, version: int) -> FollowUpPolicy:
    """Set the centre's schedule (days after the contact), the programme's interval and the
    interval while a high-risk report is open. ``version``: the one the page showed."""
    from django.core.exceptions import ValidationError

    if not permissions.has_perm(actor, permissions.SET_FOLLOW_UP_POLICY):
        raise PermissionDeniedError(_("Only a supervisor or director sets the policy."))
    problems: dict[str, str] = {}
    days = data.get("schedule_days") or []
    problem = rules.schedule_problem(days)
    if problem:
        problems["schedule_days"] = _(
            "Give 1 to 10 whole numbers of days, each larger than the one before, up to %(max)s."
        ) % {"max": rules.MAX_SCHEDULE_DAYS}
    programme = data.get("programme_every_days")
    if not isinstance(programme, int) or not 7 <= programme <= 182:
        problems["programme_every_days"] = _(
            "People in the programme are followed up at least every six months: 7 to 182 days."
        )
    intensified = data.get("intensified_every_days")
    if not isinstance(intensified, int) or not 1 <= intensified <= 14:
        problems["intensified_every_days"] = _("Choose 1 to 14 days.")
    if problems:
        raise ValidationError(problems)
    policy, _created = FollowUpPolicy.objects.select_for_update().get_or_create(
        organisation_id=actor.organisation_id, defaults={"version": 0}
    )
    if policy.version != version:
        raise ConflictError(
            policy.version,
            str(_("Someone else changed the policy since you opened it. Nothing was saved.")),
        )
    old = {
        "schedule_days": policy.schedule_days,
        "programme_every_days": policy.programme_every_days,
        "intensified_every_days": policy.intensified_every_days,
    }
    policy.schedule_days = days
    policy.programme_every_days = int(programme or 0)
    policy.intensified_every_days = int(intensified or 0)
    policy.version += 1
    policy.updated_by = actor
    policy.save()
    new = {k: getattr(policy, k) for k in old}
    record(
        actor=actor,
        action="update",
        target=policy,
        changes={k: [old[k], new[k]] for k in old if old[k] != new[k]} or {"saved": True},
    )
    return policy


def _create(
    *, actor, person_id, contact, assigned_to, kind, step, due_at, previous, consent, notes=""
):
    follow_up = FollowUp.objects.create(
        notes=notes,
        organisation_id=contact.organisation_id,
        person_id=person_id,
        contact=contact,
        previous=previous,
        assigned_to=assigned_to,
        booked_by=actor,
        consent_given=consent,
        kind=kind,
        schedule_step=step,
        due_at=due_at,
    )
    record(
        actor=actor,
        action="create",
        target=follow_up,
        changes={
            "kind": kind,
            "schedule_step": step,
            "due_at": due_at,
            "assigned_to": assigned_to.username,
            "rule": rules.POLICY_RULE_VERSION,
            "notes": "set" if notes else "",
        },
    )
    schedule_follow_up_reminders(follow_up)
    return follow_up


def _has_open_report(person_id) -> bool:
    # Not through the person: a LEFT JOIN would match a person without any report.
    return CommunityReport.objects.filter(person_id=person_id, closed_at__isnull=True).exists()


@transaction.atomic
def do_book_next_by_policy(*, actor, done: FollowUp) -> FollowUp | None:
    """Book what the centre's policy gives after ``done`` (recorded as done or cancelled with a
    result that does not call for a follow-up within 24 hours). Nothing if a later follow-up
    of the person is already scheduled, or the caller did not consent and no high-risk report
    is open."""
    if FollowUp.objects.filter(previous=done).exists():
        return None
    person = None
    scheduled = FollowUp.objects.filter(contact=done.contact, status=FollowUpStatus.SCHEDULED)
    if done.person_id is not None:
        # The person's lock serialises two bookings for the same person.
        person = Person.objects.select_for_update().get(pk=done.person_id)
        scheduled = FollowUp.objects.filter(person=person, status=FollowUpStatus.SCHEDULED)
    now = timezone.now()
    report_open = person is not None and _has_open_report(person.pk)
    if not done.consent_given and not report_open:
        return None
    policy = policy_for(done.organisation_id)
    booking = rules.next_follow_up(
        kind=done.kind,
        step=done.schedule_step,
        anchor=done.contact.started_at,
        now=now,
        schedule_days=policy.schedule_days,
        programme_every_days=policy.programme_every_days,
        intensified_every_days=policy.intensified_every_days,
        report_open=report_open,
        file_open=person is not None and person.case_status in rules.OPEN_STATUSES,
    )
    if booking is None:
        return None
    kind, step, due_at = booking
    if scheduled.filter(due_at__lte=due_at).exists():
        return None  # one is already due by then: the policy's step is covered
    worker = person.assigned_to if person and person.assigned_to else done.assigned_to
    if worker is None or not worker.is_active:
        worker = done.assigned_to if done.assigned_to.is_active else actor
    return _create(
        actor=actor,
        person_id=done.person_id,
        contact=done.contact,
        assigned_to=worker,
        kind=kind,
        step=step,
        due_at=due_at,
        previous=done,
        consent=done.consent_given,
    )


def _latest_contact(person: Person):
    return person.contacts.order_by("-started_at", "-pk").first()


@transaction.atomic
def do_book_file_follow_up(
    *, actor, person: Person, due_at: datetime, assigned_to, consent_given: bool, note: str = ""
) -> FollowUp:
    """A one-off follow-up booked by hand from the file: with the person's consent, in the
    future (within a year), for an active counsellor or supervisor of the centre."""
    from django.core.exceptions import ValidationError

    if not decide_person(actor, person).can_edit_file or not person.case_status:
        raise PermissionDeniedError(_("You may not change this file."))
    now = timezone.now()
    problems: dict[str, str] = {}
    if not consent_given:
        problems["consent_given"] = _("A follow-up can only be booked with the person's consent.")
    if due_at is None:
        problems["due_at"] = _("Enter the date and time the follow-up is due.")
    elif due_at <= now:
        problems["due_at"] = _("A follow-up cannot be booked in the past.")
    elif due_at > now + MAX_BOOK_AHEAD:
        problems["due_at"] = _("Book a follow-up at most a year ahead.")
    if (
        assigned_to is None
        or not assignable_workers(person.organisation_id).filter(pk=assigned_to.pk).exists()
    ):
        problems["assigned_to"] = _("Choose an active counsellor or supervisor of this centre.")
    contact = _latest_contact(person)
    if contact is None:
        problems["__all__"] = _("This person has no contact to follow up from.")
    if problems:
        raise ValidationError(problems)
    Person.objects.select_for_update().get(pk=person.pk)
    follow_up = _create(
        actor=actor,
        person_id=person.pk,
        contact=contact,
        assigned_to=assigned_to,
        kind=FollowUpKind.MANUAL,
        step=None,
        due_at=due_at,
        previous=None,
        consent=True,
        notes=note.strip(),
    )
    return follow_up


def rebook_on_danger_ground(*, actor, done: FollowUp) -> FollowUp:
    """Part of recording a follow-up that was booked without consent on the danger ground of a
    high-risk report (CM-06), whose result still calls for one within 24 hours (still high,
    at risk, not reached): the next one, on the same ground, within 24 hours."""
    return _create(
        actor=actor,
        person_id=done.person_id,
        contact=done.contact,
        assigned_to=done.assigned_to if done.assigned_to.is_active else actor,
        kind=FollowUpKind.INTENSIFIED,
        step=done.schedule_step,
        due_at=timezone.now() + timedelta(hours=settings.FOLLOW_UP_WITHIN_HOURS),
        previous=done,
        consent=False,
    )


def intensify_after_report(*, actor, person: Person) -> FollowUp | None:
    """Part of filing a high-risk report (in its transaction): a follow-up within 24 hours,
    unless one of the person is already due by then. The danger to life is the ground
    (confidentiality exception), not the person's consent."""
    now = timezone.now()
    soon = now + timedelta(hours=settings.FOLLOW_UP_WITHIN_HOURS)
    scheduled = FollowUp.objects.filter(person=person, status=FollowUpStatus.SCHEDULED)
    if scheduled.filter(due_at__lte=soon).exists():
        return None
    contact = _latest_contact(person)
    if contact is None:
        return None
    worker = person.assigned_to or actor
    if not worker.is_active:
        worker = actor
    return _create(
        actor=actor,
        person_id=person.pk,
        contact=contact,
        assigned_to=worker,
        kind=FollowUpKind.INTENSIFIED,
        step=None,
        due_at=soon,
        previous=None,
        consent=False,
    )


# The daily escalation of overdue follow-ups ----------------------------------------------------


@dataclass
class EscalationSweep:
    overdue: int = 0  # overdue follow-ups without today's escalation when the sweep began
    created: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"overdue": self.overdue, "created": self.created}


def overdue_without_escalation(*, now: datetime, day):
    """For the sweep (the system, not a user): scheduled follow-ups of every centre past due
    and not yet escalated on ``day``, the most overdue first."""
    today = FollowUpEscalation.objects.filter(follow_up=OuterRef("pk"), day=day)
    return (
        FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_at__lt=now)
        .exclude(Exists(today))
        .order_by("due_at", "pk")
    )


def do_escalate_overdue_follow_ups(
    *, now: datetime | None = None, batch_size: int | None = None
) -> EscalationSweep:
    """Escalate every overdue follow-up once for today (local date). One transaction per batch
    of ``FOLLOW_UP_ESCALATION_BATCH`` follow-ups, each escalation with its own audit event:
    cut off anywhere, every follow-up is escalated with its event or not at all, and the next
    sweep finishes. Safe to run again and at the same time as another sweep (the rows are
    locked, the unique (follow-up, day) constraint decides a tie)."""
    now = now or timezone.now()
    day = rules.escalation_day(timezone.localtime(now))
    size = batch_size or settings.FOLLOW_UP_ESCALATION_BATCH
    sweep = EscalationSweep()
    pks = list(overdue_without_escalation(now=now, day=day).values_list("pk", flat=True))
    sweep.overdue = len(pks)
    for start in range(0, len(pks), size):
        batch = pks[start : start + size]
        try:
            sweep.created += _escalate(batch, now=now, day=day)
        except IntegrityError:
            # Another sweep escalated some of these at the same moment: one by one.
            for pk in batch:
                try:
                    sweep.created += _escalate([pk], now=now, day=day)
                except IntegrityError:
                    pass
    # The e-mail task: for what this sweep escalated, and for what an earlier sweep escalated
    # but whose e-mail never went (a worker killed between the two).
    to_send = FollowUpEscalation.objects.filter(unsent(now), day=day).exists()
    if sweep.created or to_send:
        from xinyuan.cases.mail_tasks import email_overdue_escalations

        email_overdue_escalations.enqueue()
    return sweep


@transaction.atomic
def _escalate(pks: list[int], *, now: datetime, day) -> int:
    """One batch: lock the follow-ups still scheduled and overdue, write the escalations not yet
    made for ``day``, and one audit event per centre listing the follow-ups it escalated (a
    system action over many rows, like the retention run: one event per batch, not per row,
    keeps the sweep over a large centre within its time; decision 0020)."""
    rows = list(
        FollowUp.objects.select_for_update(of=("self",))
        .filter(pk__in=pks, status=FollowUpStatus.SCHEDULED, due_at__lt=now)
        .order_by("pk")
        .values_list("pk", "public_id", "organisation_id")
    )
    # Read after the lock: an escalation a concurrent sweep committed meanwhile is seen here.
    done = set(
        FollowUpEscalation.objects.filter(
            follow_up_id__in=[pk for pk, _public_id, _org in rows], day=day
        ).values_list("follow_up_id", flat=True)
    )
    fresh = [row for row in rows if row[0] not in done]
    FollowUpEscalation.objects.bulk_create(
        [
            FollowUpEscalation(organisation_id=org, follow_up_id=pk, day=day)
            for pk, _public_id, org in fresh
        ]
    )
    by_centre: dict[int, list[str]] = {}
    for _pk, public_id, org in fresh:
        by_centre.setdefault(org, []).append(str(public_id))
    for org, follow_ups in by_centre.items():
        record(
            actor=None,
            action="escalate",
            target=None,
            organisation=Organisation(pk=org),
            changes={"what": "overdue_follow_ups", "day": day, "follow_ups": follow_ups},
        )
    return len(fresh)
