"""The one write path of a versioned record (a contact, a safety plan …).

A record that people edit from open pages carries ``version`` (bumped by every write) and
``field_versions`` (the version at which each field last changed). Every change of such a record
— a counsellor's autosave, closing, a risk assessment setting the type and level, a legal hold —
goes through ``write_versioned`` inside the action's transaction, so that:

- a change made on an older version merges when none of its fields changed since, and is
  refused otherwise (``ConflictError`` naming the fields): two people never silently overwrite
  each other, and a stale autosave cannot set back what another write changed;
- the version, the field versions and ``updated_at`` move together with the values;
- the audit event (old → new per field) is written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import ConflictError
from xinyuan.core.locale import join_list


def _audit_value(value: Any) -> Any:
    """A related record appears in the trail by its code or public id, never its integer key."""
    if isinstance(value, models.Model):
        return getattr(value, "code", None) or getattr(value, "public_id", None) or str(value)
    return value


def field_label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - a name that is not a field
        return name


def check_version(
    locked,
    version: int | None,
    changed: list[str],
    *,
    merge_always: frozenset[str] = frozenset(),
    label: Callable[[str], str] | None = None,
) -> None:
    """Refuse a change made on ``version`` if one of ``changed`` moved on since (None: a write
    that does not come from a page, such as a risk assessment setting the level)."""
    if version is None or version == locked.version:
        return
    field_versions = locked.field_versions or {}
    changed_since = [
        name
        for name in changed
        if name not in merge_always and field_versions.get(name, 0) > version
    ]
    if version > locked.version or version < 1 or changed_since:
        name_of = label or (lambda name: field_label(type(locked), name))
        labels = join_list(name_of(name) for name in changed_since)
        raise ConflictError(
            locked.version,
            _(
                "Someone else saved this record since you opened it (%(fields)s). "
                "Your changes were not saved; reload to see theirs, then enter yours again."
            )
            % {"fields": labels or _("another version")},
        )


class StaleRecord(Exception):  # noqa: N818 - a signal, not a failure
    """The row moved on since it was read: the conditional write matched nothing. The caller
    locks the row, reads it again and decides again (``ConflictError`` or a merge)."""


def write_versioned(
    *,
    actor,
    locked,
    changes: dict[str, Any],
    version: int | None,
    action: str = "update",
    extra: dict[str, Any] | None = None,
    reason: str = "",
    merge_always: frozenset[str] = frozenset(),
    always_audit: bool = False,
    optimistic: bool = False,
) -> dict[str, tuple[Any, Any]]:
    """Apply ``changes`` (already validated) to the row ``locked``, made on ``version``; returns
    the fields that changed, old → new.

    ``locked`` is a row the caller locked with ``select_for_update`` — or, with
    ``optimistic``, a row as read without a lock: then the write is conditional on the version
    still being the one read (one UPDATE, no lock taken beforehand), and ``StaleRecord`` says
    that someone wrote in between. Nothing is written when nothing changes, unless
    ``always_audit`` (an action that is itself the event). Must run inside the action's
    transaction."""
    diff = {
        name: (getattr(locked, name), value)
        for name, value in changes.items()
        if getattr(locked, name) != value
    }
    check_version(locked, version, list(diff), merge_always=merge_always)
    if not diff:
        if always_audit:
            record(actor=actor, action=action, target=locked, changes=extra or {}, reason=reason)
        return diff
    new_version = locked.version + 1
    field_versions = dict(locked.field_versions or {})
    for name in diff:
        field_versions[name] = new_version
    values = {name: new for name, (_old, new) in diff.items()}
    values |= {"version": new_version, "field_versions": field_versions, "updated_at": now()}
    rows = type(locked).objects.filter(pk=locked.pk)
    if optimistic:
        rows = rows.filter(version=locked.version)
    if rows.update(**values) != 1:
        raise StaleRecord
    for name, value in values.items():
        setattr(locked, name, value)
    audited = {name: [_audit_value(old), _audit_value(new)] for name, (old, new) in diff.items()}
    record(
        actor=actor,
        action=action,
        target=locked,
        changes={**audited, **(extra or {})},
        reason=reason,
    )
    return diff
