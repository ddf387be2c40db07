"""Writes for persons, identities and follow-ups. Each is atomic and audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases import rules
from xinyuan.cases.actions.reminders import schedule_follow_up_reminders
from xinyuan.cases.models import CallerIdentity, FollowUp, FollowUpStatus, Person
from xinyuan.core import crypto, permissions
from xinyuan.core.errors import PermissionDeniedError


def _person_label() -> str:
    import secrets

    return "C-" + secrets.token_hex(3).upper()


def do_link_identity(*, actor, organisation, kind: str, value: str) -> CallerIdentity:
    """Find the caller by keyed hash, or create the person and identity. Never stores clear text.

    The lookup of a known caller (the common path, HL-08) reads without opening a transaction
    or savepoint of its own; only a new caller is written, atomically and audited.
    """
    normalised = rules.normalise_identity(kind, value)
    if not normalised:
        raise ValidationError({"caller": _("The caller's number or chat id is empty.")})
    if kind == "phone" and not rules.is_valid_phone(normalised):
        raise ValidationError({"caller_number": _("Enter a phone number of digits only.")})
    hashes = crypto.keyed_hashes(kind, normalised)
    known = CallerIdentity.objects.select_related("person").filter(
        organisation=organisation, kind=kind, value_hash__in=hashes
    )
    identity = next(iter(known[:1]), None)
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            person = Person.objects.create(organisation=organisation, label=_person_label())
            identity = CallerIdentity.objects.create(
                organisation=organisation,
                person=person,
                kind=kind,
                value_hash=hashes[0],
                encrypted_value=crypto.encrypt(normalised),
            )
            record(actor=actor, action="create", target=person, changes={"source": kind})
    except IntegrityError:
        # The same caller was linked at the same moment by another seat: use that one.
        return known[:1].get()
    return identity


@transaction.atomic
def do_register_contact_for_person(*, person: Person, started_at: datetime) -> Person:
    """Count the contact and apply the repeated-caller rule (HL-08)."""
    from xinyuan.cases.selectors import count_recent_contacts

    window_start = started_at - timedelta(days=settings.REPEATED_CALLER_WINDOW_DAYS)
    recent = count_recent_contacts(person=person, since=window_start)
    changes = {}
    fields = ["contact_count", "last_contact_at", "updated_at"]
    person.contact_count += 1
    person.last_contact_at = max(filter(None, [person.last_contact_at, started_at]))
    if not person.is_repeated_caller and rules.is_repeated_caller(
        recent, settings.REPEATED_CALLER_THRESHOLD
    ):
        person.is_repeated_caller = True
        fields.append("is_repeated_caller")
        changes["is_repeated_caller"] = [False, True]
    person.save(update_fields=fields)
    if changes:
        record(actor=None, action="update", target=person, changes=changes)
    return person


def may_reveal(actor, person: Person) -> bool:
    """Roles that call back may reveal; a counsellor only for a follow-up assigned to them."""
    if permissions.has_perm(actor, permissions.REVEAL_CALLER_IDENTITY):
        return True
    return permissions.has_perm(actor, permissions.PERFORM_FOLLOW_UPS) and (
        FollowUp.objects.filter(
            person=person, assigned_to=actor, status=FollowUpStatus.SCHEDULED
        ).exists()
    )


@transaction.atomic
def do_reveal_identity(*, actor, identity: CallerIdentity, reason: str = "") -> str:
    if identity.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    if not may_reveal(actor, identity.person):
        raise PermissionDeniedError
    record(actor=actor, action="reveal", target=identity, changes={"field": "value"}, reason=reason)
    return crypto.decrypt(identity.encrypted_value)


@transaction.atomic
def do_set_management_rule(*, actor, person: Person, rule: str) -> Person:
    if not permissions.has_perm(actor, permissions.SET_MANAGEMENT_RULE):
        raise PermissionDeniedError
    if person.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    if not permissions.has_perm(actor, permissions.VIEW_ORG_CONTACTS) and not (
        person.contacts.filter(counsellor=actor).exists()
    ):
        raise PermissionDeniedError  # a counsellor sets the rule of callers they have handled
    old = person.management_rule
    person.management_rule = rule.strip()
    person.save(update_fields=["management_rule", "updated_at"])
    record(
        actor=actor,
        action="update",
        target=person,
        changes={"management_rule": [old, person.management_rule]},
    )
    return person


@transaction.atomic
def do_book_follow_up(
    *,
    actor,
    contact,
    consent_given: bool,
    due_at: datetime | None = None,
    assigned_to=None,
    previous: FollowUp | None = None,
) -> FollowUp:
    """Book a follow-up: only with consent, and within 24 hours for a high-risk contact."""
    now = timezone.now()
    if not consent_given:
        raise ValidationError(
            {"consent_given": _("A follow-up can only be booked with the caller's consent.")}
        )
    deadline = rules.follow_up_deadline(now, settings.FOLLOW_UP_WITHIN_HOURS)
    due_at = due_at or deadline
    if due_at <= now:
        raise ValidationError({"due_at": _("The follow-up must be due in the future.")})
    if due_at > deadline:
        raise ValidationError(
            {
                "due_at": _("A high-risk follow-up is due within %(hours)s hours.")
                % {"hours": settings.FOLLOW_UP_WITHIN_HOURS}
            }
        )
    assigned_to = assigned_to or actor
    if assigned_to.organisation_id != contact.organisation_id:
        raise ValidationError({"assigned_to": _("Choose someone in your organisation.")})
    follow_up = FollowUp.objects.create(
        organisation=contact.organisation,
        person=contact.person,
        contact=contact,
        previous=previous,
        assigned_to=assigned_to,
        booked_by=actor,
        consent_given=True,
        due_at=due_at,
    )
    if previous is None:
        # The box ticked at booking is the caller's consent: kept as a consent record too.
        from xinyuan.cases.models import Consent, ConsentMethod, ConsentPurpose

        Consent.objects.create(
            organisation_id=contact.organisation_id,
            person_id=contact.person_id,
            contact=contact,
            purpose=ConsentPurpose.FOLLOW_UP,
            agreed=True,
            method=ConsentMethod.VERBAL,
            given_at=now,
            recorded_by=actor,
        )
    record(
        actor=actor,
        action="create",
        target=follow_up,
        changes={
            "due_at": due_at,
            "assigned_to": assigned_to.username,
            "contact": contact.public_id,
        },
    )
    schedule_follow_up_reminders(follow_up)
    return follow_up


FOLLOW_UP_FIELDS = (
    "emotional_change",
    "pain_level",
    "hope_level",
    "safety_status",
    "quality_of_life",
    "notes",
)


@transaction.atomic
def do_record_follow_up(
    *,
    actor,
    follow_up: FollowUp,
    status: str,
    data: dict,
    assessment: dict | None = None,
) -> FollowUp:
    """Record the outcome of a follow-up (附件2). A done follow-up carries a risk assessment by
    the same rule as the contact; if the final level is still high, the next one is booked."""
    from xinyuan.hotline.actions import do_assess_risk

    if not permissions.has_perm(actor, permissions.PERFORM_FOLLOW_UPS):
        raise PermissionDeniedError
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.status != FollowUpStatus.SCHEDULED:
        raise ValidationError({"status": _("This follow-up has already been recorded.")})
    if status not in (FollowUpStatus.DONE, FollowUpStatus.UNREACHABLE, FollowUpStatus.CANCELLED):
        raise ValidationError({"status": _("Choose what happened.")})
    if status == FollowUpStatus.CANCELLED and not (data.get("notes") or "").strip():
        raise ValidationError({"notes": _("Give the reason for cancelling in the notes.")})
    follow_up = locked
    changes: dict = {"status": [follow_up.status, status]}
    for name in FOLLOW_UP_FIELDS:
        if name in data:
            changes[name] = [getattr(follow_up, name), data[name]]
            setattr(follow_up, name, data[name])
    follow_up.status = status
    follow_up.done_at = timezone.now()
    follow_up.done_by = actor
    risk = None
    if status == FollowUpStatus.DONE:
        if assessment is None:
            raise ValidationError(
                {"risk": _("A completed follow-up needs a suicide-risk assessment.")}
            )
        risk = do_assess_risk(actor=actor, follow_up=follow_up, **assessment)
        follow_up.risk_level = risk.final_level
        changes["risk_level"] = ["", risk.final_level]
    follow_up.save()
    record(actor=actor, action="update", target=follow_up, changes=changes)
    from xinyuan.hotline.rules import is_high_risk

    still_high = risk is not None and is_high_risk(risk.final_level)
    unsafe = follow_up.safety_status == "at_risk"
    if still_high or unsafe or status == FollowUpStatus.UNREACHABLE:
        # Still high, unsafe or not reached: intervention continues, another one is booked.
        do_book_follow_up(
            actor=actor,
            contact=follow_up.contact,
            consent_given=follow_up.consent_given,
            assigned_to=follow_up.assigned_to,
            previous=follow_up,
        )
    return follow_up


# Key rotation (run by ``manage.py rotate_keys``) ------------------------------------------------


def do_rotate_identity_keys(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every identity with the newest field key and re-hash it with the current HMAC
    key. Batches of short transactions: the app keeps running and callers stay recognised (old
    ciphertexts still decrypt, old hashes still match while their keys are configured)."""
    counts = {"identities": 0, "reencrypted": 0, "rehashed": 0}
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                CallerIdentity.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            for identity in batch:
                clear = crypto.decrypt(identity.encrypted_value)
                fields = []
                token = crypto.reencrypt(identity.encrypted_value)
                if token != identity.encrypted_value:
                    identity.encrypted_value = token
                    fields.append("encrypted_value")
                    counts["reencrypted"] += 1
                value_hash = crypto.keyed_hash(identity.kind, clear)
                if value_hash != identity.value_hash:
                    identity.value_hash = value_hash
                    fields.append("value_hash")
                    counts["rehashed"] += 1
                if fields:
                    identity.save(update_fields=fields)
            counts["identities"] += len(batch)
            last_pk = batch[-1].pk
    return counts
