"""Merging two files of one person, and undoing it within 30 days (CM-01).

Every record that names the source person — in any app: contacts, numbers, follow-ups,
consents, caller notes, self-test results, file entries, referrals, reports … — is moved to the
target. The records are found through the foreign keys to ``Person`` (``_meta.related_objects``),
so a table added later is moved too and ``cases`` imports no app above it. The moved rows are
listed per table in the ``PersonMerge`` row; an undo moves exactly those back (those still on
the target), so records added to the merged file since stay there. Nothing is deleted; the
source row stays, marked ``merged_into``, out of every list. Both writes are audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases import rules
from xinyuan.cases.access import decide_person
from xinyuan.cases.models import FileEntry, FileEntryKind, Person, PersonMerge
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError


def person_links():
    """(model, foreign key attribute) of every table whose rows name a person."""
    for rel in Person._meta.related_objects:
        field = rel.field
        if field.model in (Person, PersonMerge) or not (field.many_to_one or field.one_to_one):
            continue
        yield field.model, field.attname


def _may_merge(actor, person: Person) -> bool:
    """A supervisor or director of the person's centre (a merged file too: the refusal then
    says why); never an anonymised record."""
    access = decide_person(actor, person)
    return (
        access.own_centre
        and permissions.has_perm(actor, permissions.ASSIGN_CASES)
        and person.anonymised_at is None
    )


def _label(model) -> str:
    return model._meta.label_lower


@transaction.atomic
def do_merge_persons(*, actor, source: Person, target: Person, reason: str) -> PersonMerge:
    """Move every record of ``source`` to ``target``. A supervisor or director of the centre;
    two different open files of the same centre, neither merged already."""
    for person in (source, target):
        if not _may_merge(actor, person):
            raise PermissionDeniedError(_("Only a supervisor or director merges files."))
    reason = (reason or "").strip()
    problems: dict[str, str] = {}
    if source.pk == target.pk:
        problems["source"] = _("A file cannot be merged into itself.")
    elif source.organisation_id != target.organisation_id:
        problems["source"] = _("Files of different centres cannot be merged.")
    if len(reason) < 2:
        problems["reason"] = _("Say why these are the same person.")
    if problems:
        raise ValidationError(problems)
    first, second = sorted((source.pk, target.pk))
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    src, dst = locked[source.pk], locked[target.pk]
    if src.merged_into_id or dst.merged_into_id:
        raise ValidationError(
            {"source": _("One of these files was already merged into another: use that one.")}
        )
    if not src.case_status or not dst.case_status:
        raise ValidationError({"source": _("Open both files before merging them.")})
    moved: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for model, attname in person_links():
        ids = list(model.objects.filter(**{attname: src.pk}).values_list("pk", flat=True))
        if not ids:
            continue
        try:
            with transaction.atomic():
                model.objects.filter(pk__in=ids).update(**{attname: dst.pk})
        except IntegrityError as exc:
            raise ValidationError(
                {
                    "source": _(
                        "These files cannot be merged: both hold a record that may exist only "
                        "once per person (%(what)s)."
                    )
                    % {"what": model._meta.verbose_name}
                }
            ) from exc
        moved[f"{_label(model)}.{attname}"] = ids
        counts[_label(model)] = len(ids)
    before = {
        "contact_count": dst.contact_count,
        "last_contact_at": dst.last_contact_at.isoformat() if dst.last_contact_at else None,
        "is_repeated_caller": dst.is_repeated_caller,
    }
    dst.contact_count += src.contact_count
    if src.last_contact_at and (
        not dst.last_contact_at or src.last_contact_at > dst.last_contact_at
    ):
        dst.last_contact_at = src.last_contact_at
    dst.is_repeated_caller = dst.is_repeated_caller or src.is_repeated_caller
    dst.file_version += 1
    dst.save(
        update_fields=[
            "contact_count",
            "last_contact_at",
            "is_repeated_caller",
            "file_version",
            "updated_at",
        ]
    )
    src.merged_into = dst
    src.file_version += 1
    src.save(update_fields=["merged_into", "file_version", "updated_at"])
    merge = PersonMerge.objects.create(
        organisation_id=dst.organisation_id,
        source=src,
        target=dst,
        reason=reason[:300],
        moved=moved,
        counts={**counts, "before": before},
        merged_by=actor,
    )
    FileEntry.objects.create(
        organisation_id=dst.organisation_id,
        person=dst,
        kind=FileEntryKind.MERGED,
        text=_("File %(label)s merged into this one: %(reason)s")
        % {"label": src.label, "reason": reason},
        by=actor,
        at=timezone.now(),
    )
    record(
        actor=actor,
        action="create",
        target=merge,
        changes={"source": src.public_id, "target": dst.public_id, "moved": counts},
        reason=reason,
    )
    source.merged_into_id, target.file_version = dst.pk, dst.file_version
    return merge


def can_undo(merge: PersonMerge, now=None) -> bool:
    now = now or timezone.now()
    return merge.undone_at is None and now <= rules.merge_undo_until(merge.created_at)


@transaction.atomic
def do_undo_merge(*, actor, merge: PersonMerge) -> PersonMerge:
    """Move back the records the merge moved (those still on the target), within 30 days."""
    locked = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    if not _may_merge(actor, locked.target):
        raise PermissionDeniedError(_("Only a supervisor or director merges files."))
    if locked.undone_at is not None:
        raise ValidationError({"merge": _("This merge was already undone.")})
    if not can_undo(locked):
        raise ValidationError(
            {
                "merge": _("A merge can be undone for %(days)s days only.")
                % {"days": rules.MERGE_UNDO_DAYS}
            }
        )
    first, second = sorted((locked.source_id, locked.target_id))
    persons = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    src, dst = persons[locked.source_id], persons[locked.target_id]
    if dst.merged_into_id is not None:
        raise ValidationError(
            {"merge": _("This file was itself merged into another since: undo that merge first.")}
        )
    links = {f"{_label(model)}.{attname}": (model, attname) for model, attname in person_links()}
    returned: dict[str, int] = {}
    for key, ids in locked.moved.items():
        if key not in links:
            continue
        model, attname = links[key]
        returned[key] = model.objects.filter(pk__in=ids, **{attname: dst.pk}).update(
            **{attname: src.pk}
        )
    moved_contacts = returned.get("hotline.contact.person_id", 0)
    dst.contact_count = max(0, dst.contact_count - moved_contacts)
    before = locked.counts.get("before", {})
    if "is_repeated_caller" in before and dst.contact_count <= before.get("contact_count", 0):
        dst.is_repeated_caller = before["is_repeated_caller"]
    dst.last_contact_at = (
        dst.contacts.order_by("-started_at").values_list("started_at", flat=True).first()
    )
    dst.file_version += 1
    dst.save(
        update_fields=[
            "contact_count",
            "is_repeated_caller",
            "last_contact_at",
            "file_version",
            "updated_at",
        ]
    )
    src.merged_into = None
    src.file_version += 1
    src.save(update_fields=["merged_into", "file_version", "updated_at"])
    locked.undone_at = timezone.now()
    locked.undone_by = actor
    locked.save(update_fields=["undone_at", "undone_by", "updated_at"])
    FileEntry.objects.create(
        organisation_id=dst.organisation_id,
        person=dst,
        kind=FileEntryKind.MERGED,
        text=_("Merge of file %(label)s undone.") % {"label": src.label},
        by=actor,
        at=timezone.now(),
    )
    record(actor=actor, action="update", target=locked, changes={"undone": True, **returned})
    return locked
