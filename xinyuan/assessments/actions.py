"""Writes of the self-assessment feature, each audited in its own transaction."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts.models import Organisation
from xinyuan.assessments import registry
from xinyuan.assessments.access import decide_campaign, decide_task, may_manage_campaigns
from xinyuan.assessments.models import (
    Campaign,
    HelpTask,
    Participant,
    SelfAssessment,
    Source,
    TaskKind,
    TaskStatus,
)
from xinyuan.assessments.rules import RULE_VERSION, Origin, is_beyond_limit
from xinyuan.audit.actions import record
from xinyuan.cases import rules as case_rules
from xinyuan.core import crypto
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.limits import check_length
from xinyuan.core.locale import join_list

OUTCOME_MAX_LENGTH = 2000


def new_key() -> str:
    return secrets.token_urlsafe(24)


def _fold_target(*, organisation, kinds: tuple[str, ...], origin: Origin | None):
    """The open task a new task from ``origin`` is folded into, and by what ("device" or
    "network"); (None, "") while the origin is within its limits (XINYUAN_SELFTEST_*), or when
    no task from it is open any more (a new one is then made: supervisors who closed the last
    one see the next)."""
    if origin is None or not (origin.device_hash or origin.network_hash):
        return None, ""
    # Tasks from the portal of one centre are made one at a time (a row lock on PostgreSQL;
    # SQLite's write transactions are serial anyway), so that a burst of simultaneous
    # submissions cannot slip past the limit. It conflicts with nothing else: the lock is FOR
    # NO KEY UPDATE, which the inserts referring to the centre do not wait for.
    Organisation.objects.select_for_update(no_key=True).filter(pk=organisation.pk).values_list(
        "pk", flat=True
    ).get()
    since = timezone.now() - timedelta(minutes=settings.SELFTEST_WINDOW_MINUTES)
    lines = HelpTask.objects.filter(
        organisation=organisation, folded_into__isnull=True, created_at__gte=since
    )
    limits = (
        ("device", "device_hash", origin.device_hash, settings.SELFTEST_DEVICE_LIMIT),
        ("network", "network_hash", origin.network_hash, settings.SELFTEST_NETWORK_LIMIT),
    )
    for reason, field, value, limit in limits:
        if not value or not is_beyond_limit(lines.filter(**{field: value}).count(), limit):
            continue
        target = (
            HelpTask.objects.select_for_update()
            .filter(
                organisation=organisation,
                folded_into__isnull=True,
                status=TaskStatus.OPEN,
                kind__in=kinds,
                **{field: value},
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if target is not None:
            return target, reason
    return None, ""


def _new_task(
    *, organisation, assessment, kind: str, origin: Origin | None
) -> tuple[HelpTask, dict]:
    """A task for a self-test, folded into the open one from the same origin when the origin
    is beyond its limits: an urgent result only into an urgent task (it must reach the alert
    panel), a call-back request into either. Returns the task and what its audit event says
    of the folding."""
    kinds = (TaskKind.URGENT,) if kind == TaskKind.URGENT else (TaskKind.CALLBACK, TaskKind.URGENT)
    target, reason = _fold_target(organisation=organisation, kinds=kinds, origin=origin)
    task = HelpTask.objects.create(
        organisation=organisation,
        assessment=assessment,
        kind=kind,
        device_hash=origin.device_hash if origin else "",
        network_hash=origin.network_hash if origin else "",
        folded_into=target,
    )
    if target is not None:
        target.folded_count += 1
        target.newest_assessment = assessment
        # updated_at changes: every open alert panel shows the new count within one poll.
        target.save(update_fields=["folded_count", "newest_assessment", "updated_at"])
        return task, {"folded_into": str(target.public_id), "folded_by": reason}
    return task, {}


def do_submit(
    *,
    scale_code: str,
    answers: list,
    organisation,
    submission_key: str,
    language: str,
    source: str = Source.PORTAL,
    campaign: Campaign | None = None,
    participant: Participant | None = None,
    group: str = "",
    actor=None,
    person=None,
    consented_at=None,
    origin: Origin | None = None,
) -> tuple[SelfAssessment, bool]:
    """Score and keep one completed test; (result, created).

    The same ``submission_key`` twice (a double tap, a reload) returns the first result and
    creates nothing. A critical flag or the most severe band creates an urgent task that the
    supervisors on duty see at once — or, when its ``origin`` (device, network) is beyond the
    portal's limits, is folded into the open urgent task from there (``_new_task``): the result
    is kept all the same, and the result page shows the crisis channels first all the same."""
    known = SelfAssessment.objects.filter(submission_key=submission_key).first()
    if known is not None:
        return known, False
    compiled = registry.get(scale_code)
    if compiled is None:
        raise ValidationError(_("No scale with this code."))
    if compiled.problems(answers):
        raise ValidationError(_("Some answers are missing or not among the options."))
    result = compiled.score(answers)
    try:
        with transaction.atomic():
            assessment = SelfAssessment.objects.create(
                organisation=organisation,
                scale=result.scale,
                scale_version=result.version,
                rule_version=RULE_VERSION,
                language=language[:10],
                answers=list(answers),
                total=result.total,
                band=result.band,
                flags=list(result.flags),
                subscales=result.subscales,
                most_severe=result.most_severe,
                source=source,
                person=participant.person if participant else person,
                campaign=campaign,
                participant=participant,
                group=(participant.group if participant else group)[:100],
                entered_by=actor if getattr(actor, "pk", None) else None,
                submission_key=submission_key,
                consented_at=consented_at,
            )
            record(
                actor=actor,
                action="create",
                target=assessment,
                organisation=organisation,
                changes={
                    "scale": result.scale,
                    "band": result.band,
                    "flags": list(result.flags),
                    "source": source,
                },
            )
            if assessment.needs_urgent_attention:
                task, folding = _new_task(
                    organisation=organisation,
                    assessment=assessment,
                    kind=TaskKind.URGENT,
                    origin=origin,
                )
                record(
                    actor=actor,
                    action="alert",
                    target=task,
                    organisation=organisation,
                    changes={
                        "kind": TaskKind.URGENT,
                        "flags": list(result.flags),
                        **folding,
                    },
                )
    except IntegrityError:
        # The same test submitted twice at the same moment: the other request kept it.
        return SelfAssessment.objects.get(submission_key=submission_key), False
    return assessment, True


@transaction.atomic
def do_request_callback(
    *, assessment: SelfAssessment, phone: str, preferred_time: str, origin: Origin | None = None
) -> HelpTask:
    """The person asks to be contacted: a call-back task for the centre's counsellors (folded,
    with its number, into the open task from the same origin when that origin is beyond the
    portal's limits). The number is kept encrypted, with a keyed hash, like a caller's."""
    number = case_rules.normalise_identity("phone", phone or "")
    if not case_rules.is_valid_phone(number) or len(number) < 7:
        raise ValidationError({"phone": _("Enter a phone number we can call, digits only.")})
    preferred_time = (preferred_time or "").strip()
    check_length(
        preferred_time,
        field="preferred_time",
        label=HelpTask._meta.get_field("preferred_time").verbose_name,
        limit=100,
    )
    # One request at a time per result (a double tap sends two).
    SelfAssessment.objects.select_for_update().filter(pk=assessment.pk).values_list(
        "pk", flat=True
    ).get()
    # A serious result already has an urgent task: the number goes on it (one task per person,
    # and whoever took it has the number); otherwise a call-back task of its own.
    tasks = {t.kind: t for t in HelpTask.objects.select_for_update().filter(assessment=assessment)}
    task = tasks.get(TaskKind.URGENT) or tasks.get(TaskKind.CALLBACK)
    created = task is None
    folding: dict = {}
    if task is None:
        task, folding = _new_task(
            organisation=assessment.organisation,
            assessment=assessment,
            kind=TaskKind.CALLBACK,
            origin=origin,
        )
    task.phone_hash = crypto.keyed_hash("phone", number)
    task.phone_encrypted = crypto.encrypt(number)
    task.preferred_time = preferred_time
    if task.status != TaskStatus.OPEN:
        task.status, task.done_at = TaskStatus.OPEN, None
    task.save()
    record(
        actor=None,
        action="create" if created else "update",
        target=task,
        organisation=assessment.organisation,
        changes={
            "kind": TaskKind.CALLBACK,
            "phone": True,
            "preferred_time": bool(preferred_time),
            **folding,
        },
    )
    return task


def _require_task_access(actor, task: HelpTask) -> None:
    if not decide_task(actor, task).can_work:
        raise PermissionDeniedError


@transaction.atomic
def do_take_task(*, actor, task: HelpTask) -> HelpTask:
    """Someone takes the task: the others see who is on it (an urgent one leaves the alerts).
    Taking a task takes the tasks folded into it that nobody has taken."""
    _require_task_access(actor, task)
    task = HelpTask.objects.select_for_update().get(pk=task.pk)
    now = timezone.now()
    untaken = [task] if task.taken_by_id is None else []
    untaken += HelpTask.objects.select_for_update().filter(
        folded_into=task, taken_by__isnull=True, status=TaskStatus.OPEN
    )
    for each in untaken:
        each.taken_by, each.taken_at = actor, now
        each.save(update_fields=["taken_by", "taken_at", "updated_at"])
        record(actor=actor, action="acknowledge", target=each, changes={"kind": each.kind})
    return task


@transaction.atomic
def do_complete_task(*, actor, task: HelpTask, outcome: str) -> HelpTask:
    _require_task_access(actor, task)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Say what was done (e.g. called, no answer).")})
    check_length(outcome, field="outcome", label=_("outcome"), limit=OUTCOME_MAX_LENGTH)
    task = HelpTask.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        raise ValidationError(_("This task is already done."))
    # The tasks folded into it are done with it (a flood is handled once; each keeps its own
    # record and event).
    folded = list(
        HelpTask.objects.select_for_update().filter(folded_into=task, status=TaskStatus.OPEN)
    )
    now = timezone.now()
    for each in [task, *folded]:
        if each.taken_by_id is None:
            each.taken_by, each.taken_at = actor, now
        each.status, each.done_at, each.outcome = TaskStatus.DONE, now, outcome
        each.save()
        record(
            actor=actor,
            action="update",
            target=each,
            changes={"status": [TaskStatus.OPEN, TaskStatus.DONE]},
        )
    return task


@transaction.atomic
def do_reveal_task_phone(*, actor, task: HelpTask) -> str:
    """The number to call back, for those who work the task; audited as a reveal."""
    _require_task_access(actor, task)
    if not task.phone_encrypted:
        return ""
    record(actor=actor, action="reveal", target=task, changes={"fields": ["phone"]})
    return crypto.decrypt(task.phone_encrypted)


def _require_campaigns(actor) -> None:
    if not may_manage_campaigns(actor):
        raise PermissionDeniedError


@transaction.atomic
def do_create_campaign(
    *, actor, name: str, scales: list[str], groups: list[str], starts_on, ends_on, identified: bool
) -> Campaign:
    """A screening campaign of the actor's centre (AS-04), with a link of its own."""
    _require_campaigns(actor)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the campaign a name.")
    unknown = [code for code in scales if registry.get(code) is None]
    if not scales or unknown:
        errors["scales"] = _("Choose at least one of the scales offered.")
    groups = [g.strip()[:100] for g in groups if g.strip()]
    if len(set(groups)) != len(groups):
        errors["groups"] = _("Each group must appear once.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end cannot be before the start.")
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        organisation_id=actor.organisation_id,
        name=name[:200],
        scales=list(dict.fromkeys(scales)),
        groups=groups,
        starts_on=starts_on,
        ends_on=ends_on,
        identified=identified,
        slug=secrets.token_urlsafe(9),
        created_by=actor,
    )
    record(
        actor=actor,
        action="create",
        target=campaign,
        changes={"name": campaign.name, "scales": campaign.scales, "identified": identified},
    )
    return campaign


@transaction.atomic
def do_add_participants(*, actor, campaign: Campaign, lines: str) -> list[Participant]:
    """Invite people to an identified campaign: one line each, "reference, group" (the
    reference is how the organisation knows them in this campaign, e.g. a staff or student
    number). Each new reference is a new person: a reference names nobody outside its campaign,
    so nobody is ever looked up by a label (a caller's "C-1A2B3C" or another campaign's "E-001"
    is someone else). A reference already in the campaign is left as it is."""
    from xinyuan.cases.models import Person

    if not decide_campaign(actor, campaign).can_manage:
        raise PermissionDeniedError
    if not campaign.identified:
        raise ValidationError(_("An anonymous campaign has no personal links."))
    # One list at a time per campaign: the same reference sent twice at once is added once.
    Campaign.objects.select_for_update().filter(pk=campaign.pk).exists()
    check_length(lines, field="lines", label=_("people to invite"))
    rows, problems = [], []
    seen: dict[str, int] = {}
    for number, line in enumerate((lines or "").splitlines(), start=1):
        if not line.strip():
            continue
        normalised = line.replace("，", ",")
        reference, _sep, group = (part.strip() for part in normalised.partition(","))
        if campaign.groups and "," not in normalised:
            problems.append(
                _('line %(n)s: a comma is missing; write "reference, group"') % {"n": number}
            )
        elif not reference or len(reference) > 40:
            problems.append(_("line %(n)s: give a reference of 1 to 40 characters") % {"n": number})
        elif campaign.groups and group not in campaign.groups:
            problems.append(
                _("line %(n)s: the group must be one of %(groups)s")
                % {"n": number, "groups": join_list(campaign.groups)}
            )
        elif reference in seen:
            problems.append(
                _("line %(n)s: %(reference)s is already on line %(first)s")
                % {"n": number, "reference": reference, "first": seen[reference]}
            )
        else:
            seen[reference] = number
            rows.append((reference, group))
    if problems:
        raise ValidationError({"lines": problems})
    known = set(
        Participant.objects.filter(
            campaign=campaign, reference__in=[reference for reference, _group in rows]
        ).values_list("reference", flat=True)
    )
    added = []
    for reference, group in rows:
        if reference in known:
            continue
        person = Person.objects.create(organisation_id=campaign.organisation_id, label=reference)
        record(actor=actor, action="create", target=person, changes={"source": "campaign"})
        added.append(
            Participant.objects.create(
                campaign=campaign,
                person=person,
                reference=reference,
                group=group,
                token=secrets.token_urlsafe(12),
            )
        )
    record(
        actor=actor,
        action="update",
        target=campaign,
        changes={"participants_added": len(added)},
    )
    return added


def anonymise_participants(person) -> None:
    """Retention or erasure of a person (registered with hotline's retention): the campaigns'
    references for them go; their coded results stay for the statistics."""
    Participant.objects.filter(person=person).update(
        reference=Concat(Value("X-"), Cast("pk", output_field=CharField()))
    )


def expire_callback_numbers(cutoff, dry_run: bool) -> int:
    """Retention (HL-13), run by ``apply_retention``: numbers left with self-test call-back
    requests, and what was noted about the call, are kept for the same period as contacts (the
    results themselves are coded data and stay)."""
    old = HelpTask.objects.filter(created_at__lt=cutoff).exclude(phone_encrypted="", outcome="")
    if dry_run:
        return old.count()
    return old.update(phone_encrypted="", phone_hash="", outcome="")
