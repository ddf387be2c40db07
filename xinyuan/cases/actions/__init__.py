"""Writes for persons, identities and follow-ups. Each is atomic and audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases import rules, selectors
from xinyuan.cases.access import decide_person
from xinyuan.cases.models import (
    CallerIdentity,
    Consent,
    ConsentMethod,
    ConsentPurpose,
    FollowUp,
    FollowUpStatus,
    Person,
)
from xinyuan.cases.tasks import schedule_follow_up_reminders
from xinyuan.core import crypto, permissions
from xinyuan.core.compiled import CompiledQuery
from xinyuan.core.errors import PermissionDeniedError


def new_person_label() -> str:
    import secrets

    return "C-" + secrets.token_hex(3).upper()


def clean_identity(kind: str, value: str) -> str:
    """The caller's number or chat id in canonical form, or a ValidationError naming it."""
    normalised = rules.normalise_identity(kind, value)
    if not normalised:
        raise ValidationError({"caller": _("The caller's number or chat id is empty.")})
    if kind == "phone" and not rules.is_valid_phone(normalised):
        raise ValidationError({"caller_number": _("Enter a phone number of digits only.")})
    return normalised


# The current HMAC key and up to this many retired ones compile once; more (a rotation of
# rotations) takes the ORM's way.
MAX_HMAC_KEYS = 4


def _identities(count, v: dict) -> QuerySet[CallerIdentity]:
    return (
        CallerIdentity.objects.select_related("person")
        .filter(
            organisation_id=v["organisation"],
            kind=v["kind"],
            value_hash__in=[v[f"hash{i}"] for i in range(count)],
        )
        .order_by("pk")[:1]
    )


# Every contact with a caller's number looks the caller up: compiled once per number of keys.
_IDENTITY_BY_HASH = CompiledQuery(
    CallerIdentity,
    _identities,
    {"organisation": int, "kind": str, **{f"hash{i}": str for i in range(MAX_HMAC_KEYS)}},
)


def find_identity(*, organisation_id, kind: str, normalised: str) -> CallerIdentity | None:
    """A known caller of the centre, by keyed hash (one indexed read; no clear text stored)."""
    hashes = crypto.keyed_hashes(kind, normalised)
    if len(hashes) > MAX_HMAC_KEYS:
        found = list(_identities(len(hashes), _hash_values(organisation_id, kind, hashes)))
    else:
        found = _IDENTITY_BY_HASH.fetch(len(hashes), _hash_values(organisation_id, kind, hashes))
    return found[0] if found else None


def _hash_values(organisation_id, kind: str, hashes) -> dict:
    return {
        "organisation": organisation_id,
        "kind": kind,
        **{f"hash{i}": value for i, value in enumerate(hashes)},
    }


def do_link_identity(
    *, actor, organisation, kind: str, value: str, started_at: datetime | None = None
) -> tuple[CallerIdentity, bool]:
    """Find the caller by keyed hash, or create the person and identity. Never stores clear text.

    Part of starting a contact: joins the caller's transaction without a savepoint of its own
    (checked first, then written atomically), so two seats linking the same new number at the
    same moment make one of the two starts fail with an IntegrityError, which
    ``do_start_contact`` retries (and then finds the person). ``started_at``: a new person is
    created already counting this contact (HL-08). Returns (identity, created)."""
    if not permissions.has_perm(actor, permissions.HANDLE_CONTACTS):
        raise PermissionDeniedError
    if getattr(organisation, "pk", organisation) != actor.organisation_id:
        raise PermissionDeniedError
    normalised = clean_identity(kind, value)
    with transaction.atomic(savepoint=False):
        identity = find_identity(
            organisation_id=actor.organisation_id, kind=kind, normalised=normalised
        )
        if identity is not None:
            return identity, False
        person = Person.objects.create(
            organisation_id=actor.organisation_id,
            label=new_person_label(),
            contact_count=1 if started_at else 0,
            last_contact_at=started_at,
        )
        identity = CallerIdentity.objects.create(
            organisation_id=actor.organisation_id,
            person=person,
            kind=kind,
            value_hash=crypto.keyed_hash(kind, normalised),
            encrypted_value=crypto.encrypt(normalised),
        )
        record(actor=actor, action="create", target=person, changes={"source": kind})
        return identity, True


@transaction.atomic(savepoint=False)
def do_register_contact_for_person(*, person: Person, started_at: datetime) -> Person:
    """Count a new contact of a known person and apply the repeated-caller rule (HL-08).

    Called by ``do_start_contact`` before the contact is saved: the contacts in the window are
    the ones already saved plus this one."""
    window_start = started_at - timedelta(days=settings.REPEATED_CALLER_WINDOW_DAYS)
    fields = ["contact_count", "last_contact_at", "updated_at"]
    person.contact_count += 1
    person.last_contact_at = max(filter(None, [person.last_contact_at, started_at]))
    changes = {}
    if not person.is_repeated_caller:
        recent = selectors.count_recent_contacts(person=person, since=window_start) + 1
        if rules.is_repeated_caller(recent, settings.REPEATED_CALLER_THRESHOLD):
            person.is_repeated_caller = True
            fields.append("is_repeated_caller")
            changes["is_repeated_caller"] = [False, True]
    person.save(update_fields=fields)
    if changes:
        record(actor=None, action="update", target=person, changes=changes)
    return person


@transaction.atomic
def do_reveal_identity(*, actor, identity: CallerIdentity, reason: str = "") -> str:
    """The caller's number in clear, for a call back: audited with the reason."""
    if identity.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    if not decide_person(actor, identity.person).can_reveal_identity:
        raise PermissionDeniedError
    record(actor=actor, action="reveal", target=identity, changes={"field": "value"}, reason=reason)
    return crypto.decrypt(identity.encrypted_value)


@transaction.atomic
def do_set_management_rule(*, actor, person: Person, rule: str) -> Person:
    if not decide_person(actor, person).can_set_management_rule:
        raise PermissionDeniedError
    locked = Person.objects.select_for_update().get(pk=person.pk)
    old = locked.management_rule
    locked.management_rule = rule.strip()
    if locked.management_rule != old:
        locked.save(update_fields=["management_rule", "updated_at"])
        record(
            actor=actor,
            action="update",
            target=locked,
            changes={"management_rule": [old, locked.management_rule]},
        )
    person.management_rule = locked.management_rule
    return locked


@transaction.atomic
def do_schedule_follow_up(
    *,
    actor,
    contact,
    consent_given: bool,
    due_at: datetime | None = None,
    assigned_to=None,
    previous: FollowUp | None = None,
) -> FollowUp:
    """Book a follow-up of a contact: only with consent, within 24 hours (HL-06).

    The contact-level decision (may this actor work on this contact?) is the hotline's
    (``hotline.actions.do_book_follow_up``); here: the centre, the role and the rules."""
    if (
        not permissions.has_any(actor, permissions.HANDLE_CONTACTS, permissions.PERFORM_FOLLOW_UPS)
        or actor.organisation_id != contact.organisation_id
    ):
        raise PermissionDeniedError
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
        organisation_id=contact.organisation_id,
        person_id=contact.person_id,
        contact=contact,
        previous=previous,
        assigned_to=assigned_to,
        booked_by=actor,
        consent_given=True,
        due_at=due_at,
    )
    if previous is None:
        # The box ticked at booking is the caller's consent: kept as a consent record too.
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
RECORDED_STATUSES = (FollowUpStatus.DONE, FollowUpStatus.UNREACHABLE, FollowUpStatus.CANCELLED)


def check_follow_up_outcome(status: str, data: dict) -> None:
    """What a recorded follow-up needs (附件2), checked before anything is written."""
    if status not in RECORDED_STATUSES:
        raise ValidationError({"status": _("Choose what happened.")})
    if status == FollowUpStatus.CANCELLED and not (data.get("notes") or "").strip():
        raise ValidationError({"notes": _("Give the reason for cancelling in the notes.")})


@transaction.atomic
def do_complete_follow_up(
    *,
    actor,
    follow_up: FollowUp,
    status: str,
    data: dict,
    risk_level: str = "",
    answered_in=None,
) -> FollowUp:
    """Write the outcome of a follow-up. The call itself — with its risk assessment and the
    next booking — is ``hotline.actions.do_record_follow_up``, which calls this."""
    if not permissions.has_perm(actor, permissions.PERFORM_FOLLOW_UPS):
        raise PermissionDeniedError
    if actor.organisation_id != follow_up.organisation_id:
        raise PermissionDeniedError
    check_follow_up_outcome(status, data)
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.status != FollowUpStatus.SCHEDULED:
        raise ValidationError({"status": _("This follow-up has already been recorded.")})
    changes: dict = {"status": [locked.status, status]}
    for name in FOLLOW_UP_FIELDS:
        if name in data:
            changes[name] = [getattr(locked, name), data[name]]
            setattr(locked, name, data[name])
    locked.status = status
    locked.done_at = timezone.now()
    locked.done_by = actor
    if risk_level:
        changes["risk_level"] = [locked.risk_level, risk_level]
        locked.risk_level = risk_level
    if answered_in is not None:
        if answered_in.organisation_id != locked.organisation_id:
            raise PermissionDeniedError
        changes["answered_in"] = [None, answered_in.number or str(answered_in.public_id)]
        locked.answered_in = answered_in
    locked.save()
    record(actor=actor, action="update", target=locked, changes=changes)
    return locked


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
    counts.update(_rotate_file_keys(batch_size=batch_size))
    return counts


def _rotate_file_keys(*, batch_size: int) -> dict[str, int]:
    """The person files' encrypted details (name, contact details, guardian) re-encrypted with
    the newest key, and their keyed hashes (the name's; the phone number's in the contact
    details, decision 0021) recomputed with the current HMAC key, so that duplicates are still
    found after a rotation. Also fills the phone hash of files saved before it existed."""
    counts = {"files": 0, "files_changed": 0}
    secret = ("name_encrypted", "contact_details_encrypted", "guardian_encrypted")
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Person.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(name_encrypted="", contact_details_encrypted="", guardian_encrypted="")
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            for person in batch:
                before = [getattr(person, f) for f in (*secret, "name_hash", "contact_hash")]
                for field in secret:
                    if getattr(person, field):
                        setattr(person, field, crypto.reencrypt(getattr(person, field)))
                name = crypto.decrypt(person.name_encrypted) if person.name_encrypted else ""
                person.name_hash = (
                    crypto.keyed_hash("name", rules.normalise_name(name)) if name else ""
                )
                details = (
                    crypto.decrypt(person.contact_details_encrypted)
                    if person.contact_details_encrypted
                    else ""
                )
                phone = rules.phone_in(details)
                person.contact_hash = crypto.keyed_hash("phone", phone) if phone else ""
                after = [getattr(person, f) for f in (*secret, "name_hash", "contact_hash")]
                if after != before:
                    person.save(update_fields=[*secret, "name_hash", "contact_hash"])
                    counts["files_changed"] += 1
            counts["files"] += len(batch)
            last_pk = batch[-1].pk
    return counts
