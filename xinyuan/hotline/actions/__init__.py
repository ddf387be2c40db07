"""Writes of the hotline: contacts, stages, risk assessments, safety plans, alerts.

Every function is atomic and writes its audit event in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases import actions as case_actions
from xinyuan.cases.actions.consent import record_recording_answer
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.limits import check_length
from xinyuan.hotline import rules
from xinyuan.hotline.models import (
    Contact,
    ContactStatus,
    ContactType,
    Outcome,
    RiskAlert,
    RiskAssessment,
    SafetyPlan,
    Seat,
)

# Fields a counsellor edits, by stage (HL-01/HL-03). "stage 0" holds the contact's frame.
STAGE_FIELDS: dict[int, tuple[str, ...]] = {
    0: ("channel", "seat", "contact_type", "recording_consent", "recording_url", "ended_at"),
    1: (
        "about",
        "caller_gender",
        "caller_age_group",
        "caller_education",
        "caller_work_status",
        "caller_marital_status",
        "caller_prior_treatment",
        "purpose",
    ),
    2: ("emotional_state", "voice_cues", "strong_negative_emotion"),
    3: ("problems", "goal"),
    4: (
        "motivation",
        "past_coping",
        "resources",
        "obstacles",
        "smart_goal",
        "options",
        "interventions",
    ),
    5: ("actions_decided", "caller_feedback", "goal_attainment", "outcome", "counsellor_notes"),
}
EDITABLE_FIELDS = frozenset(f for fields in STAGE_FIELDS.values() for f in fields) | {
    "protocol_steps_done",
    "current_stage",
}


def _require(actor, permission: str) -> None:
    if not permissions.has_perm(actor, permission):
        raise PermissionDeniedError


def _can_edit(actor, contact: Contact) -> bool:
    if actor.organisation_id != contact.organisation_id:
        return False
    if contact.counsellor_id == actor.pk:
        return permissions.has_perm(actor, permissions.HANDLE_CONTACTS)
    # A supervisor may take over or complete a colleague's record.
    return permissions.has_perm(actor, permissions.TAKE_OVER_CONTACTS)


def _audit_value(value: Any) -> Any:
    return getattr(value, "code", value)


@transaction.atomic
def do_start_contact(
    *,
    actor,
    channel: str,
    seat: Seat | None = None,
    counsellor=None,
    caller_number: str = "",
    caller_chat_id: str = "",
    started_at: datetime | None = None,
    external_call_id: str = "",
    recording_url: str = "",
    recording_consent: str = "",
    contact_type: str = ContactType.GENERAL,
) -> Contact:
    _require(actor, permissions.HANDLE_CONTACTS)
    counsellor = counsellor or actor
    if counsellor.organisation_id != actor.organisation_id:
        raise ValidationError({"counsellor": _("Choose a counsellor of your organisation.")})
    if counsellor != actor and not permissions.has_perm(actor, permissions.TAKE_OVER_CONTACTS):
        raise PermissionDeniedError
    if seat is not None and seat.organisation_id != actor.organisation_id:
        raise ValidationError({"seat": _("Choose a seat of your organisation.")})
    started_at = started_at or timezone.now()
    identity = None
    if caller_number:
        identity = case_actions.do_link_identity(
            actor=actor, organisation=actor.organisation, kind="phone", value=caller_number
        )
    elif caller_chat_id:
        identity = case_actions.do_link_identity(
            actor=actor, organisation=actor.organisation, kind="chat", value=caller_chat_id
        )
    contact = Contact(
        organisation=actor.organisation,
        counsellor=counsellor,
        seat=seat,
        channel=channel,
        started_at=started_at,
        external_call_id=external_call_id,
        recording_url=recording_url,
        contact_type=contact_type,
        identity=identity,
        person=identity.person if identity else None,
    )
    if recording_consent:
        contact.recording_consent = recording_consent
    if (
        identity is not None
        and identity.person.is_repeated_caller
        and contact.contact_type == ContactType.GENERAL
    ):
        contact.contact_type = ContactType.REPEATED
    contact.full_clean()
    contact.save()
    if contact.person is not None:
        person = case_actions.do_register_contact_for_person(
            person=contact.person, started_at=started_at
        )
        if person.is_repeated_caller and contact.contact_type == ContactType.GENERAL:
            contact.contact_type = ContactType.REPEATED
            contact.save(update_fields=["contact_type"])
    record(
        actor=actor,
        action="create",
        target=contact,
        changes={
            "channel": channel,
            "seat": _audit_value(seat),
            "counsellor": counsellor.username,
            "contact_type": contact.contact_type,
            "identity": identity is not None,
        },
    )
    record_recording_answer(actor=actor, contact=contact, value=contact.recording_consent)
    return contact


def _clean_value(contact: Contact, name: str, value: Any) -> Any:
    field = Contact._meta.get_field(name)
    if name == "protocol_steps_done":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError({name: _("Expected a list of step names.")})
        return value
    if name == "current_stage":
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({name: _("The stage is a number from 1 to 5.")})
        return value
    if name == "seat":
        if value is None or isinstance(value, Seat):
            if value is not None and value.organisation_id != contact.organisation_id:
                raise ValidationError({"seat": _("Choose a seat of your organisation.")})
            return value
        raise ValidationError({"seat": _("Choose a seat of your organisation.")})
    try:
        value = field.clean(value, contact)  # type: ignore[union-attr]
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc
    return value


# Navigation state: the last writer wins, it never conflicts.
MERGE_ALWAYS = frozenset({"current_stage"})


@transaction.atomic
def do_update_contact(*, actor, contact: Contact, version: int, changes: dict[str, Any]) -> Contact:
    """Apply a partial change made on ``version`` of the contact.

    If someone saved in between, the change is merged only when none of its fields was changed
    by them since ``version``; otherwise ConflictError names those fields and nothing is written.
    So a telephone switch posting the end of a call never collides with the counsellor typing,
    while two people editing the same field never silently overwrite each other.
    Every field is validated before anything is written; the audit event lists old → new.
    """
    if not _can_edit(actor, contact):
        raise PermissionDeniedError
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    cleaned = {name: _clean_value(locked, name, value) for name, value in changes.items()}
    if "ended_at" in cleaned and cleaned["ended_at"] and cleaned["ended_at"] < locked.started_at:
        raise ValidationError({"ended_at": _("The end cannot be before the start.")})
    diff = {
        name: [getattr(locked, name), value]
        for name, value in cleaned.items()
        if getattr(locked, name) != value
    }
    if version != locked.version:
        changed_since = [
            name
            for name in diff
            if name not in MERGE_ALWAYS and locked.field_versions.get(name, 0) > version
        ]
        if version > locked.version or version < 1 or changed_since:
            labels = ", ".join(
                str(getattr(Contact._meta.get_field(name), "verbose_name", name))
                for name in changed_since
            )
            raise ConflictError(
                locked.version,
                _(
                    "Someone else saved this contact since you opened it (%(fields)s). "
                    "Your changes were not saved; reload to see theirs, then enter yours again."
                )
                % {"fields": labels or _("another version")},
            )
    if not diff:
        return locked
    new_version = locked.version + 1
    for name, (_old, value) in diff.items():
        setattr(locked, name, value)
        locked.field_versions[name] = new_version
    locked.version = new_version
    locked.save(update_fields=[*diff.keys(), "field_versions", "version", "updated_at"])
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={name: [_audit_value(old), _audit_value(new)] for name, (old, new) in diff.items()},
    )
    if "recording_consent" in diff:
        record_recording_answer(actor=actor, contact=locked, value=locked.recording_consent)
    return locked


@transaction.atomic
def high_risk_close_problems(contact: Contact) -> list[str]:
    """What a high-risk contact still needs before it may be closed (HL-05, HL-06)."""
    if not rules.is_high_risk(contact.risk_level):
        return []
    problems = []
    if not SafetyPlan.objects.filter(contact=contact).exists():
        problems.append(str(_("a safety plan")))
    if not contact.follow_up_declined and not contact.follow_ups.exists():
        problems.append(str(_("a booked follow-up, or the caller's refusal recorded")))
    return problems


@transaction.atomic
def do_close_contact(
    *, actor, contact: Contact, version: int, outcome: str = "", ended_at: datetime | None = None
) -> Contact:
    problems = high_risk_close_problems(contact)
    if problems and outcome != Outcome.DROPPED:
        raise ValidationError(
            {
                "outcome": _("A high-risk contact needs %(missing)s before it is closed.")
                % {"missing": "; ".join(problems)}
            }
        )
    changes: dict[str, Any] = {"ended_at": ended_at or contact.ended_at or timezone.now()}
    if outcome:
        changes["outcome"] = outcome
    contact = do_update_contact(actor=actor, contact=contact, version=version, changes=changes)
    Contact.objects.filter(pk=contact.pk).update(status=ContactStatus.CLOSED)
    contact.status = ContactStatus.CLOSED
    record(actor=actor, action="close", target=contact, changes={"status": ["open", "closed"]})
    return contact


@transaction.atomic
def do_end_harassment_contact(*, actor, contact: Contact, version: int) -> Contact:
    """HL-07: state the scope, end the contact and flag it — the second of two clicks.

    Refused for a contact judged high risk: that caller is handled by the crisis protocol.
    """
    if rules.is_high_risk(contact.risk_level):
        raise ValidationError(
            {"contact_type": _("A high-risk contact cannot be ended as harassment.")}
        )
    contact = do_update_contact(
        actor=actor,
        contact=contact,
        version=version,
        changes={"contact_type": ContactType.HARASSMENT, "outcome": Outcome.ENDED_BY_COUNSELLOR},
    )
    Contact.objects.filter(pk=contact.pk).update(
        is_flagged=True, flag_reason="harassment", status=ContactStatus.CLOSED
    )
    contact.is_flagged, contact.flag_reason = True, "harassment"
    record(actor=actor, action="flag", target=contact, changes={"is_flagged": [False, True]})
    return do_close_contact(actor=actor, contact=contact, version=contact.version)


ASSESSMENT_DETAIL_FIELDS = ("plan_method", "means_detail")


@transaction.atomic
def do_assess_risk(
    *,
    actor,
    factors: rules.RiskFactors,
    contact: Contact | None = None,
    follow_up=None,
    final_level: str | None = None,
    override_reason: str = "",
    plan_method: str = "",
    means_detail: str = "",
) -> RiskAssessment:
    """Record one suicide-risk assessment (HL-04) on a contact or a follow-up.

    The rule derives a level; the counsellor's final level defaults to the proposal (the derived
    level, or a higher level already judged in this contact) and needs a reason whenever it is
    not the proposal. A final high/imminent level alerts supervisors.
    """
    target_contact = contact if contact is not None else follow_up.contact
    if contact is not None and not _can_edit(actor, contact):
        raise PermissionDeniedError
    if follow_up is not None and follow_up.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    if plan_method.strip() and not factors.has_plan:
        raise ValidationError(
            {"has_plan": _("You described a method: tick 'suicide plan' (or clear the method).")}
        )
    try:
        result = rules.derive_risk_level(factors)
    except rules.RiskInputError as exc:
        raise ValidationError({exc.field_name: exc.message}) from exc
    # The level judged last for this contact, at the contact or at one of its follow-ups: a new
    # assessment proposes no lower, and lowering it needs a reason.
    previous = (
        RiskAssessment.objects.filter(
            Q(contact=target_contact) | Q(follow_up__contact=target_contact)
        )
        .order_by("-created_at", "-id")
        .values_list("final_level", flat=True)
        .first()
    )
    proposed = rules.proposed_final_level(derived=result.level, previous_final=previous)
    final = final_level or proposed
    if final not in rules.RISK_LEVELS:
        raise ValidationError({"final_level": _("Choose a risk level.")})
    override_reason = override_reason.strip()
    if (
        rules.override_reason_required(derived=result.level, final=final, previous_final=previous)
        and not override_reason
    ):
        raise ValidationError(
            {
                "override_reason": _(
                    "Give the reason for a level different from the derived one, or lower "
                    "than the level judged earlier."
                )
            }
        )
    if not override_reason and final != result.level:
        # The proposal kept a higher level judged earlier in this contact: say so.
        override_reason = _("Kept the level judged earlier in this contact.")
    assessment = RiskAssessment.objects.create(
        organisation=target_contact.organisation,
        contact=contact,
        follow_up=follow_up,
        assessed_by=actor,
        plan_method=plan_method.strip()[:200],
        means_detail=means_detail.strip()[:200],
        derived_level=result.level,
        rule_version=result.rule_version,
        reason_codes=list(result.reason_codes),
        final_level=final,
        override_reason=override_reason,
        **factors.__dict__,
    )
    record(
        actor=actor,
        action="assess",
        target=assessment,
        changes={
            "contact": target_contact.public_id,
            "derived_level": result.level,
            "final_level": final,
            "rule_version": result.rule_version,
            "previous_final": previous,
        },
        reason=override_reason,
    )
    # The contact carries the counsellor's latest judgement; it is never changed silently.
    updates: dict[str, Any] = {"risk_level": final}
    if rules.is_high_risk(final) and target_contact.contact_type == ContactType.GENERAL:
        updates["contact_type"] = ContactType.SUICIDE_RISK
    if contact is not None:
        Contact.objects.filter(pk=contact.pk).update(**updates)
        for name, value in updates.items():
            setattr(contact, name, value)
    if rules.is_high_risk(final):
        do_raise_alert(actor=actor, contact=target_contact, level=final)
    return assessment


@transaction.atomic
def do_record_follow_up_declined(*, actor, contact: Contact, reason: str) -> Contact:
    """The caller declined a follow-up (HL-06 needs their consent): recorded with the reason."""
    if not _can_edit(actor, contact):
        raise PermissionDeniedError
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the caller said.")})
    check_length(
        reason, field="reason", label=Contact._meta.get_field("follow_up_declined").verbose_name
    )
    Contact.objects.filter(pk=contact.pk).update(follow_up_declined=reason)
    contact.follow_up_declined = reason
    record(
        actor=actor, action="update", target=contact, changes={"follow_up_declined": [None, True]}
    )
    return contact


@transaction.atomic
def do_raise_alert(*, actor, contact: Contact, level: str) -> RiskAlert | None:
    """One open alert per contact; a higher level re-raises it."""
    open_alert = RiskAlert.objects.filter(contact=contact, acknowledged_at__isnull=True).first()
    if open_alert and rules.RISK_ORDER[open_alert.level] >= rules.RISK_ORDER[level]:
        return open_alert
    alert = RiskAlert.objects.create(
        organisation=contact.organisation, contact=contact, level=level, raised_by=actor
    )
    record(actor=actor, action="alert", target=alert, changes={"level": level})
    return alert


@transaction.atomic
def do_acknowledge_alert(*, actor, alert: RiskAlert) -> RiskAlert:
    _require(actor, permissions.ACKNOWLEDGE_ALERTS)
    if alert.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    # The panel shows one line per contact (its newest alert): acknowledging it acknowledges
    # the contact's earlier open alerts too (a re-raised level leaves the lower one open).
    pending = list(
        RiskAlert.objects.select_for_update()
        .filter(contact_id=alert.contact_id, acknowledged_at__isnull=True, pk__lte=alert.pk)
        .order_by("pk")
    )
    RiskAlert.objects.filter(pk__in=[a.pk for a in pending]).update(
        acknowledged_by=actor, acknowledged_at=timezone.now()
    )
    for open_alert in pending:
        record(actor=actor, action="acknowledge", target=open_alert)
    alert.refresh_from_db()
    return alert


SAFETY_PLAN_FIELDS = (
    "warning_signs",
    "coping_steps",
    "people_to_call",
    "medical_institutions",
    "referral_advice",
    "handover_note",
)


@transaction.atomic
def do_save_safety_plan(*, actor, contact: Contact, data: dict[str, str]) -> SafetyPlan:
    if not _can_edit(actor, contact):
        raise PermissionDeniedError
    plan, created = SafetyPlan.objects.select_for_update().get_or_create(
        contact=contact, defaults={"organisation": contact.organisation}
    )
    diff = {}
    for name in SAFETY_PLAN_FIELDS:
        if name in data:
            value = (data[name] or "").strip()
            if getattr(plan, name) != value:
                diff[name] = [getattr(plan, name), value]
                setattr(plan, name, value)
    if diff or created:
        plan.save()
        record(actor=actor, action="create" if created else "update", target=plan, changes=diff)
    return plan


@transaction.atomic
def do_set_duty(*, actor, on_duty: bool):
    if actor.is_on_duty != on_duty:
        actor.is_on_duty = on_duty
        actor.save(update_fields=["is_on_duty"])
        record(
            actor=actor,
            action="update",
            target=actor,
            changes={"is_on_duty": [not on_duty, on_duty]},
        )
    return actor
