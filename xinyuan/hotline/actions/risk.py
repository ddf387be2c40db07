"""Suicide-risk assessments (HL-04) and the supervisors' alerts they raise (HL-05)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.audit.versioned import write_versioned
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline import rules
from xinyuan.hotline.access import decide_alert, decide_contact
from xinyuan.hotline.actions.escalation import escalate_after
from xinyuan.hotline.models import AlertKind, Contact, ContactType, RiskAlert, RiskAssessment

# Types a high-risk judgement leaves as they are: already the crisis type, or about someone else
# (the caller is not the person at risk).
TYPES_KEPT_AT_HIGH_RISK = frozenset({ContactType.SUICIDE_RISK, ContactType.FOR_OTHERS})

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
    """Record one suicide-risk assessment (HL-04) on a contact or at a follow-up of it.

    The rule derives a level; the counsellor's final level defaults to the proposal (the derived
    level, or a higher level already judged in this contact) and needs a reason whenever it is
    not the proposal. The contact then carries the level and a type that follows it (one
    write, through the contact's write path: a stale page cannot set them back). A final
    high/imminent level alerts supervisors.
    """
    target_contact = contact if contact is not None else follow_up.contact
    if contact is not None and not decide_contact(actor, contact).can_edit:
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
        organisation_id=target_contact.organisation_id,
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
    if contact is not None:
        # The contact carries the counsellor's latest judgement, and its type follows it.
        locked = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
        updates: dict[str, Any] = {"risk_level": final}
        if rules.is_high_risk(final) and locked.contact_type not in TYPES_KEPT_AT_HIGH_RISK:
            # The crisis protocol replaces the special-call one (a repeated caller at high risk
            # is a suicide-risk contact; the person keeps the repeated-caller mark).
            updates["contact_type"] = ContactType.SUICIDE_RISK
        write_versioned(
            actor=actor,
            locked=locked,
            changes=updates,
            version=None,
            extra={"assessment": assessment.public_id},
        )
        for name in ("risk_level", "contact_type", "version", "field_versions", "updated_at"):
            setattr(contact, name, getattr(locked, name))
    if rules.is_high_risk(final):
        do_raise_alert(actor=actor, contact=target_contact, level=final)
    return assessment


@transaction.atomic
def do_raise_alert(
    *, actor, contact: Contact, level: str, kind: str = AlertKind.RISK
) -> RiskAlert | None:
    """One open alert per contact and kind; a higher level re-raises it.

    The supervisors on duty see it at once. With nobody on duty, and for a public-safety
    report, it is escalated at once (the director and every supervisor see it); otherwise the
    escalation is queued for ``ALERT_ESCALATE_MINUTES`` later (``actions.escalation``)."""
    from xinyuan.hotline.selectors import supervisors_on_duty

    open_alert = RiskAlert.objects.filter(
        contact=contact, kind=kind, acknowledged_at__isnull=True
    ).first()
    if open_alert and rules.RISK_ORDER[open_alert.level] >= rules.RISK_ORDER[level]:
        return open_alert
    now = timezone.now()
    at_once = kind == AlertKind.PUBLIC_SAFETY or not supervisors_on_duty(contact.organisation_id)
    alert = RiskAlert.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        kind=kind,
        level=level,
        raised_by=actor,
        escalated_at=now if at_once else None,
    )
    record(
        actor=actor,
        action="alert",
        target=alert,
        changes={"level": level, "kind": kind, "escalated": at_once},
    )
    if at_once:
        # Nobody on duty (or harm to others): when e-mail matters most. Queued with the alert.
        from xinyuan.hotline.actions.escalation import queue_escalation_emails

        queue_escalation_emails([alert.pk])
    else:
        from xinyuan.hotline.tasks import escalate_alerts

        # In the same database as the alert (django-tasks-db): both commit together.
        escalate_alerts.using(run_after=now + escalate_after()).enqueue()
    return alert


@transaction.atomic
def do_acknowledge_alert(*, actor, alert: RiskAlert) -> RiskAlert:
    """A supervisor takes the alert: the counsellor sees who and when."""
    if not decide_alert(actor, alert).can_acknowledge:
        raise PermissionDeniedError
    # The alert panel shows one line per contact (its newest alert): acknowledging it
    # acknowledges the contact's earlier open alerts too (a re-raised level leaves the lower one
    # open).
    pending = list(
        RiskAlert.objects.select_for_update()
        .filter(contact_id=alert.contact_id, acknowledged_at__isnull=True, pk__lte=alert.pk)
        .order_by("pk")
    )
    now = timezone.now()
    RiskAlert.objects.filter(pk__in=[a.pk for a in pending]).update(
        acknowledged_by=actor, acknowledged_at=now, updated_at=now
    )
    for open_alert in pending:
        record(actor=actor, action="acknowledge", target=open_alert)
    alert.refresh_from_db()
    return alert
