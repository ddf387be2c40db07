"""Keeping the centre's directory of partner institutions (OP-05, decision 0018): add, edit,
deactivate or reactivate an entry, import a spreadsheet. Each action is atomic and writes its
audit event in the same transaction; each refuses what the pages would (``directory.access``).

Entries are never deleted: a deactivated one stays for the referrals that named it and is no
longer offered. An edit carries the version the page showed; a stale one is refused
(``ConflictError``, 409) and nothing is saved."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.directory import rules
from xinyuan.directory.access import decide_directory, owns
from xinyuan.directory.models import Institution

EDITABLE = rules.FIELDS


def _require_manager(actor, institution: Institution | None = None) -> None:
    if not decide_directory(actor).can_manage:
        raise PermissionDeniedError(_("Only a supervisor or director keeps the directory."))
    if institution is not None and not owns(actor, institution):
        raise PermissionDeniedError(_("This entry belongs to another centre."))


def _cleaned(data: dict) -> dict:
    out: dict[str, str | bool] = {}
    for field in EDITABLE:
        value = data.get(field)
        if field in ("green_channel", "active"):
            out[field] = bool(value) if field == "green_channel" else value is not False
        else:
            out[field] = rules.clean_text(value)
    return out


def _check(organisation_id: int, data: dict, exclude_pk: int | None = None) -> None:
    problems = rules.entry_problems(data)
    if "name" not in problems:
        same = Institution.objects.filter(
            organisation_id=organisation_id, name__iexact=data["name"]
        )
        if exclude_pk is not None:
            same = same.exclude(pk=exclude_pk)
        if same.exists():
            problems["name"] = _("An institution named “%(name)s” is already in the directory.") % {
                "name": data["name"]
            }
    if problems:
        raise ValidationError(problems)


def _stale(current: int) -> ConflictError:
    return ConflictError(
        current,
        _(
            "Someone else changed this entry while you were editing. Nothing was saved: "
            "reload the page to see their change; what you typed is still below."
        ),
    )


@transaction.atomic
def do_create_institution(*, actor, data: dict) -> Institution:
    _require_manager(actor)
    values = _cleaned(data)
    _check(actor.organisation_id, values)
    institution = Institution.objects.create(organisation_id=actor.organisation_id, **values)
    record(actor=actor, action="create", target=institution, changes=values)
    return institution


def _locked(institution: Institution, expected_version: int | None) -> Institution:
    current = Institution.objects.select_for_update().get(pk=institution.pk)
    if expected_version is not None and current.version != expected_version:
        raise _stale(current.version)
    return current


@transaction.atomic
def do_update_institution(
    *, actor, institution: Institution, data: dict, expected_version: int | None = None
) -> Institution:
    """Change an entry; ``expected_version``: the version the page showed (None: a command)."""
    _require_manager(actor, institution)
    current = _locked(institution, expected_version)
    values = _cleaned({**{f: getattr(current, f) for f in EDITABLE}, **data})
    _check(current.organisation_id, values, exclude_pk=current.pk)
    changes = {f: v for f, v in values.items() if getattr(current, f) != v}
    if changes:
        for field, value in changes.items():
            setattr(current, field, value)
        current.version = F("version") + 1
        current.save(update_fields=[*changes, "version", "updated_at"])
        current.refresh_from_db(fields=["version"])
        record(actor=actor, action="update", target=current, changes=changes)
    return current


@transaction.atomic
def do_set_institution_active(
    *, actor, institution: Institution, active: bool, expected_version: int | None = None
) -> Institution:
    """Deactivate (no longer offered; never deleted) or reactivate an entry."""
    _require_manager(actor, institution)
    current = _locked(institution, expected_version)
    if current.active != active:
        current.active = active
        current.version = F("version") + 1
        current.save(update_fields=["active", "version", "updated_at"])
        current.refresh_from_db(fields=["version"])
        record(
            actor=actor,
            action="reactivate" if active else "deactivate",
            target=current,
            changes={"active": active},
        )
    return current


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int
    unchanged: int


class ImportRefused(ValidationError):
    """The file was not imported; ``messages`` lists every bad row (or the file's problem)."""


@transaction.atomic
def do_import_institutions(*, actor, rows: list[tuple[int, tuple]]) -> ImportResult:
    """Import the rows of a spreadsheet (row number, cells in ``rules.FIELDS`` order).

    Every row is checked first; if any is bad, nothing is written and ``ImportRefused`` names
    each bad row. Otherwise a row whose name (ignoring case and surrounding spaces) is already
    in the directory updates that entry, any other row adds one. One audit event with the
    counts, plus one per entry created or changed."""
    _require_manager(actor)
    if not rows:
        raise ImportRefused([_("The file has no rows to import below the header.")])
    if len(rows) > rules.MAX_IMPORT_ROWS:
        raise ImportRefused(
            [
                _("The file has %(count)s rows; at most %(limit)s can be imported at once.")
                % {"count": len(rows), "limit": rules.MAX_IMPORT_ROWS}
            ]
        )
    read = [rules.read_row(number, cells) for number, cells in rows]
    errors: list[str] = []
    seen: dict[str, int] = {}
    for result in read:
        problems = list(result.problems)
        key = result.data["name"].lower()
        if key and key in seen:
            problems.append(_("the name is the same as in row %(row)s") % {"row": seen[key]})
        elif key:
            seen[key] = result.number
        if problems:
            errors.append(rules.row_message(result.number, problems))
    if errors:
        raise ImportRefused(errors)
    existing = {
        i.name.lower(): i
        for i in Institution.objects.select_for_update().filter(
            organisation_id=actor.organisation_id
        )
    }
    created = updated = unchanged = 0
    for result in read:
        data = result.data
        found = existing.get(data["name"].lower())
        if found is None:
            institution = Institution.objects.create(organisation_id=actor.organisation_id, **data)
            record(actor=actor, action="create", target=institution, changes=data)
            created += 1
            continue
        changes = {f: v for f, v in data.items() if f != "name" and getattr(found, f) != v}
        if not changes:
            unchanged += 1
            continue
        for field, value in changes.items():
            setattr(found, field, value)
        found.version = F("version") + 1
        found.save(update_fields=[*changes, "version", "updated_at"])
        record(actor=actor, action="update", target=found, changes=changes)
        updated += 1
    outcome = ImportResult(rows=len(read), created=created, updated=updated, unchanged=unchanged)
    record(
        actor=actor,
        action="import_directory",
        target=None,
        organisation=actor.organisation,
        changes={
            "rows": outcome.rows,
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
        },
    )
    return outcome
