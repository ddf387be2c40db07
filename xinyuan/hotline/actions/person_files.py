"""Open a person's file from a contact, or link a contact to an existing file (CM-01).

The contact decides (``hotline.access``): whoever may see the contact may open its caller's
file. A contact without a known caller (no number: a walk-in, an anonymous chat) gets a new
person first. The file's own writes are the cases app's (``cases.actions.files``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases.access import decide_person
from xinyuan.cases.actions import new_person_label
from xinyuan.cases.actions.files import do_open_file
from xinyuan.cases.models import Consent, FileEntry, FileEntryKind, FollowUp, Person
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import Contact


def _check(actor, contact: Contact) -> None:
    access = decide_contact(actor, contact)
    if not (
        access.own_centre
        and access.can_view
        and contact.anonymised_at is None
        and permissions.has_perm(actor, permissions.EDIT_CASE_FILES)
    ):
        raise PermissionDeniedError(_("You may not open a file from this contact."))


def _link(locked: Contact, person: Person) -> dict[str, int]:
    """The contact, and what was recorded in it without a person (its follow-ups, consents),
    now belong to ``person``: the file shows them, the policy sees them, a merge or an erasure
    takes them along."""
    locked.person = person
    locked.version += 1
    versions = dict(locked.field_versions or {})
    versions["person"] = locked.version
    locked.field_versions = versions
    locked.save(update_fields=["person", "version", "field_versions", "updated_at"])
    return {
        "follow_ups": FollowUp.objects.filter(contact=locked, person__isnull=True).update(
            person=person
        ),
        "consents": Consent.objects.filter(contact=locked, person__isnull=True).update(
            person=person
        ),
    }


@transaction.atomic
def do_open_file_from_contact(*, actor, contact: Contact) -> Person:
    """The caller's file, opened now if it was not (a caller without a number gets a person)."""
    _check(actor, contact)
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.person_id is None:
        person = Person.objects.create(
            organisation_id=locked.organisation_id,
            label=new_person_label(),
            contact_count=1,
            last_contact_at=locked.started_at,
        )
        moved = _link(locked, person)
        record(
            actor=actor,
            action="create",
            target=person,
            changes={"source": "contact", "contact": locked.number, **moved},
        )
        contact.person_id = person.pk
        contact.version = locked.version
    linked = locked.person
    assert linked is not None
    return do_open_file(actor=actor, person=linked)


@transaction.atomic
def do_link_contact_to_file(*, actor, contact: Contact, person: Person) -> Person:
    """Link a contact whose caller was not known (no number) to an existing file. A contact
    already of another person is refused: two files of one person are merged, not relinked."""
    _check(actor, contact)
    if not decide_person(actor, person).can_edit_file or not person.case_status:
        raise PermissionDeniedError(_("You may not link contacts to this file."))
    if person.organisation_id != contact.organisation_id:
        raise PermissionDeniedError(_("You may not link contacts to this file."))
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.person_id == person.pk:
        return person
    if locked.person_id is not None:
        raise ValidationError(
            {
                "person": _(
                    "This contact already belongs to another person's record. Ask a supervisor "
                    "to merge the two records instead."
                )
            }
        )
    target = Person.objects.select_for_update().get(pk=person.pk)
    moved = _link(locked, target)
    target.contact_count += 1
    if target.last_contact_at is None or locked.started_at > target.last_contact_at:
        target.last_contact_at = locked.started_at
    target.save(update_fields=["contact_count", "last_contact_at", "updated_at"])
    FileEntry.objects.create(
        organisation_id=target.organisation_id,
        person=target,
        kind=FileEntryKind.LINKED,
        text=locked.number,
        by=actor,
        at=locked.started_at,
    )
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"person": [None, str(target.public_id)], **moved},
    )
    contact.person_id = target.pk
    contact.version = locked.version
    return target
