"""HL-13 retention: anonymise what is past the retention period; a legal hold keeps it whole.

A person is anonymised when their last activity (contact or follow-up) is older than the
retention period and none of their contacts is under legal hold: their identities (keyed hash
and ciphertext) are deleted, and every free text of their contacts, assessments, safety plans
and follow-ups is emptied. Coded data (dates, channel, type, risk levels, demographics codes)
stays for statistics. A contact without a person follows the same rule on its own dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.audit.shred import shred
from xinyuan.audit.versioned import write_versioned
from xinyuan.cases.access import decide_person
from xinyuan.cases.models import (
    CallerIdentity,
    CallerNote,
    CommunityReport,
    FileEntry,
    FollowUp,
    FollowUpStatus,
    InterventionPlan,
    Person,
    PersonMerge,
    PlanSession,
    PracticalNeed,
    Referral,
)
from xinyuan.cases.rules import retention_cutoff
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.limits import check_length
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.clinical_text import (
    ASSESSMENT_TEXT_FIELDS,
    CONTACT_TEXT_FIELDS,
    FOLLOW_UP_TEXT_FIELDS,
    SAFETY_PLAN_TEXT_FIELDS,
)
from xinyuan.hotline.models import Contact, Disclosure, RiskAssessment, SafetyPlan

# A request's reference (a number of the centre's own register), kept in the audit trail.
MAX_REFERENCE_LENGTH = 200

ANONYMISED = "—"  # keeps "the caller declined" while the words are gone

# What other apps keep for the same period and remove in the same run (registered in their
# AppConfig.ready): name → step(cutoff, dry_run) → how many were (or would be) removed.
RETENTION_STEPS: dict[str, Callable[[datetime, bool], int]] = {}


def register_retention_step(name: str, step: Callable[[datetime, bool], int]) -> None:
    RETENTION_STEPS[name] = step


@dataclass
class RetentionReport:
    cutoff: object = None
    persons: int = 0
    contacts: int = 0
    identities: int = 0
    held_persons: int = 0
    held_contacts: int = 0
    # What the other apps' registered steps removed, by step name (e.g. "callback_numbers").
    steps: dict = field(default_factory=dict)
    dry_run: bool = False
    person_ids: list = field(default_factory=list)

    @property
    def callback_numbers(self) -> int:
        return self.steps.get("callback_numbers", 0)

    def as_dict(self) -> dict:
        return {
            "cutoff": self.cutoff,
            "persons": self.persons,
            "contacts": self.contacts,
            "identities": self.identities,
            "held_persons": self.held_persons,
            "held_contacts": self.held_contacts,
            **self.steps,
            "dry_run": self.dry_run,
        }


def _expired_persons(cutoff):
    held = Contact.objects.filter(person=OuterRef("pk"), legal_hold=True)
    # The file's own records count as activity too (CM-01): an entry, a referral, a plan that
    # is active or had a session within the period keeps the person.
    # (Any change of a referral, report, need or plan moves its ``updated_at``.)
    recent_entry = FileEntry.objects.filter(person=OuterRef("pk"), at__gte=cutoff)
    recent_referral = Referral.objects.filter(person=OuterRef("pk"), updated_at__gte=cutoff)
    recent_report = CommunityReport.objects.filter(person=OuterRef("pk"), updated_at__gte=cutoff)
    recent_need = PracticalNeed.objects.filter(person=OuterRef("pk"), updated_at__gte=cutoff)
    recent_plan = InterventionPlan.objects.filter(person=OuterRef("pk")).filter(
        Q(updated_at__gte=cutoff) | Q(sessions__held_at__gte=cutoff)
    )
    return (
        Person.objects.filter(anonymised_at__isnull=True)
        .annotate(
            last_contact=Max("contacts__started_at"),
            last_follow_up=Max("follow_ups__due_at"),
            last_done=Max("follow_ups__done_at"),
            last_self_test=Max("self_assessments__created_at"),
            held=Exists(held),
        )
        .filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True))
        .filter(Q(last_follow_up__lt=cutoff) | Q(last_follow_up__isnull=True))
        .filter(Q(last_done__lt=cutoff) | Q(last_done__isnull=True))
        .filter(Q(last_self_test__lt=cutoff) | Q(last_self_test__isnull=True))
        .filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True))
        .exclude(Exists(recent_entry))
        .exclude(Exists(recent_referral))
        .exclude(Exists(recent_report))
        .exclude(Exists(recent_need))
        .exclude(Exists(recent_plan))
    )


def _anonymise_contacts(contact_ids: list[int], now) -> int:
    from xinyuan.cases.models import Consent
    from xinyuan.hotline.models import BreakGlassAccess

    # A bulk write with its own audit event (one per person or contact, by the caller); the
    # version moves on, so a page still open on the record cannot save over the anonymisation
    # (and may no longer edit it: ``access.can_edit``).
    Contact.objects.filter(pk__in=contact_ids).update(
        **dict.fromkeys(CONTACT_TEXT_FIELDS, ""),
        identity=None,
        anonymised_at=now,
        legal_hold_reason="",
        version=F("version") + 1,
        updated_at=now,
    )
    Contact.objects.filter(pk__in=contact_ids).exclude(follow_up_declined="").update(
        follow_up_declined=ANONYMISED
    )
    # Assessments of the contacts and of their follow-ups (those have no contact of their own).
    RiskAssessment.objects.filter(
        Q(contact_id__in=contact_ids) | Q(follow_up__contact_id__in=contact_ids)
    ).update(**dict.fromkeys(ASSESSMENT_TEXT_FIELDS, ""))
    SafetyPlan.objects.filter(contact_id__in=contact_ids).update(
        **dict.fromkeys(SAFETY_PLAN_TEXT_FIELDS, ""), version=F("version") + 1, updated_at=now
    )
    FollowUp.objects.filter(contact_id__in=contact_ids).update(
        **dict.fromkeys(FOLLOW_UP_TEXT_FIELDS, "")
    )
    Disclosure.objects.filter(contact_id__in=contact_ids).update(
        reason=ANONYMISED, disclosed_to=ANONYMISED
    )
    Consent.objects.filter(contact_id__in=contact_ids).update(
        withdrawal_note="", guardian_relation=""
    )
    BreakGlassAccess.objects.filter(contact_id__in=contact_ids).update(reason=ANONYMISED)
    # The same words in the audit trail's old → new values: their keys are destroyed.
    return shred(contact_ids)


# What apps above hotline hold about a person (a campaign's reference for them …): each
# registers, in its AppConfig.ready, how to anonymise it; hotline never imports them.
_person_anonymisers: list[Callable[[Person], object]] = []


def register_person_anonymiser(anonymise: Callable[[Person], object]) -> None:
    """``anonymise(person)`` removes what identifies the person in the app's own records; it
    runs inside the anonymisation's transaction (retention and erasure on request)."""
    _person_anonymisers.append(anonymise)


# What identifies a person in their file, emptied by an erasure (the coded parts stay).
EMPTY_FILE = {
    "alias": "",
    "name_encrypted": "",
    "name_hash": "",
    "contact_details_encrypted": "",
    "guardian_encrypted": "",
    "contact_hash": "",
    "guardian_relation": "",
    "street": "",
    "community": "",
    "self_evaluation": "",
    "life_events": "",
    "counselling_advice": "",
    "closed_reason": "",
}


def _anonymise_person(person: Person, contact_ids: list[int], now) -> int:
    """Returns how many audit-trail keys were destroyed."""
    keys = _anonymise_contacts(contact_ids, now)
    for anonymise in _person_anonymisers:
        anonymise(person)
    FollowUp.objects.filter(person=person).update(notes="")
    CallerNote.objects.filter(person=person).update(text="")
    CallerIdentity.objects.filter(person=person).delete()
    # A campaign participant's label is the organisation's reference for them (a staff or
    # student number): it goes too. Their coded self-test results stay for statistics.
    # The file (CM-01): what identifies the person and every free text goes; the coded parts
    # (categories, level, status, dates) stay for statistics. Files merged into this one hold
    # no records any more but may still hold a name or contact details: emptied too.
    merged = list(PersonMerge.objects.filter(target=person).values_list("source_id", flat=True))
    PersonMerge.objects.filter(Q(target=person) | Q(source=person)).update(reason="")
    PracticalNeed.objects.filter(person=person).update(description="", resource="")
    InterventionPlan.objects.filter(person=person).update(goals="", outcome="")
    PlanSession.objects.filter(plan__person=person).update(summary="", participants="")
    Person.objects.filter(pk__in=merged).update(**EMPTY_FILE)
    FileEntry.objects.filter(person=person).update(text="")
    Referral.objects.filter(person=person).update(
        reason="", continuity_info="", exception_reason="", rejection_reason="", outcome=""
    )
    CommunityReport.objects.filter(person=person).update(
        risk="", street_contact="", community_contact="", acknowledged_by_name="", closing_note=""
    )
    Person.objects.filter(pk=person.pk).update(
        management_rule="", anonymised_at=now, label=f"X-{person.pk:06d}", **EMPTY_FILE
    )
    return keys


def apply_retention(*, now=None, dry_run: bool = False, batch_size: int = 200) -> RetentionReport:
    """Anonymise everything past the retention period (``manage.py apply_retention``).

    Each person (or lone contact) is one short transaction, so the app keeps running; the run
    ends with one audit event giving the counts.
    """
    now = now or timezone.now()
    cutoff = retention_cutoff(now, settings.RETENTION_YEARS)
    report = RetentionReport(cutoff=cutoff, dry_run=dry_run)
    candidates = _expired_persons(cutoff)
    report.held_persons = candidates.filter(held=True).count()
    person_ids = list(candidates.filter(held=False).values_list("pk", flat=True))
    for person_id in person_ids:
        if dry_run:
            counted = Person.objects.get(pk=person_id)
            report.persons += 1
            report.contacts += counted.contacts.count()
            report.identities += counted.identities.count()
            continue
        with transaction.atomic():
            # Decided again under a lock: a hold set or a contact made since the list was read
            # keeps the person whole.
            locked = Person.objects.select_for_update().filter(pk=person_id).first()
            still = _expired_persons(cutoff).filter(pk=person_id, held=False).exists()
            if locked is None or not still:
                continue
            person = locked
            contact_ids = list(
                Contact.objects.select_for_update()
                .filter(person=person)
                .values_list("pk", flat=True)
            )
            identities = person.identities.count()
            keys = _anonymise_person(person, contact_ids, now)
            record(
                actor=None,
                action="retention",
                target=person,
                changes={
                    "contacts": len(contact_ids),
                    "identities": identities,
                    "audit_keys_destroyed": keys,
                    "cutoff": cutoff,
                },
            )
        report.persons += 1
        report.contacts += len(contact_ids)
        report.identities += identities
    lone = Contact.objects.filter(
        person__isnull=True, anonymised_at__isnull=True, started_at__lt=cutoff
    )
    report.held_contacts = lone.filter(legal_hold=True).count()
    lone_ids = list(lone.filter(legal_hold=False).values_list("pk", flat=True))
    for start in range(0, len(lone_ids), batch_size):
        batch = lone_ids[start : start + batch_size]
        if dry_run:
            report.contacts += len(batch)
            continue
        with transaction.atomic():
            # Re-checked under the lock: a hold set meanwhile keeps the contact whole.
            ids = list(
                lone.select_for_update()
                .filter(pk__in=batch, legal_hold=False)
                .values_list("pk", flat=True)
            )
            _anonymise_contacts(ids, now)
            for contact in Contact.objects.filter(pk__in=ids).only("public_id", "organisation_id"):
                record(actor=None, action="retention", target=contact, changes={"cutoff": cutoff})
        report.contacts += len(ids)
    for name, step in RETENTION_STEPS.items():
        with transaction.atomic():
            report.steps[name] = step(cutoff, dry_run)
    if not dry_run:
        with transaction.atomic():
            record(actor=None, action="retention", target=None, changes=report.as_dict())
    return report


@transaction.atomic
def do_set_legal_hold(*, actor, contact: Contact, hold: bool, reason: str = "") -> Contact:
    """A director places a contact (and so its person) under legal hold, or lifts it."""
    if not decide_contact(actor, contact).can_hold:
        raise PermissionDeniedError
    reason = (reason or "").strip()
    if hold and len(reason) < 5:
        raise ValidationError({"reason": _("Give the reason for the legal hold.")})
    reason_field = Contact._meta.get_field("legal_hold_reason")
    check_length(
        reason, field="reason", label=reason_field.verbose_name, limit=reason_field.max_length or 0
    )
    locked = Contact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    if locked.anonymised_at is not None:
        raise ValidationError(_("This record was already anonymised; a hold cannot restore it."))
    write_versioned(
        actor=actor,
        locked=locked,
        changes={"legal_hold": hold, "legal_hold_reason": reason if hold else ""},
        version=None,
        action="legal_hold" if hold else "legal_hold_lifted",
        reason=reason,
        always_audit=True,
    )
    contact.legal_hold, contact.legal_hold_reason = locked.legal_hold, locked.legal_hold_reason
    contact.version = locked.version
    return contact


# A person's rights under PIPL: a copy of their data, and erasure on an approved request --------


@transaction.atomic
def do_anonymise_person_on_request(*, actor, person: Person, reference: str) -> int:
    """A director approves a person's request for erasure: the same anonymisation as at the
    end of the retention period, now. Refused while a legal hold is on any of their contacts."""
    if not decide_person(actor, person).can_handle_data_requests:
        raise PermissionDeniedError
    reference = (reference or "").strip()
    if not 3 <= len(reference) <= MAX_REFERENCE_LENGTH:
        raise ValidationError(
            {
                "reference": _(
                    "Give the reference of the approved request (3 to %(n)s characters)."
                )
                % {"n": MAX_REFERENCE_LENGTH}
            }
        )
    if person.anonymised_at is not None:
        raise ValidationError(_("This person's data is already anonymised."))
    if Contact.objects.filter(person=person, legal_hold=True).exists():
        raise ValidationError(
            _("A contact of this person is under legal hold: lift the hold before erasure.")
        )
    if Contact.objects.filter(person=person, status="open").exists():
        raise ValidationError(_("A contact of this person is still open: close it first."))
    if FollowUp.objects.filter(person=person, status=FollowUpStatus.SCHEDULED).exists():
        raise ValidationError(
            _("A follow-up of this person is still scheduled: record or cancel it first.")
        )
    contact_ids = list(Contact.objects.filter(person=person).values_list("pk", flat=True))
    identities = CallerIdentity.objects.filter(person=person).count()
    keys = _anonymise_person(person, contact_ids, timezone.now())
    record(
        actor=actor,
        action="erase_on_request",
        target=person,
        changes={
            "contacts": len(contact_ids),
            "identities": identities,
            "audit_keys_destroyed": keys,
        },
        reason=reference,
    )
    return len(contact_ids)
