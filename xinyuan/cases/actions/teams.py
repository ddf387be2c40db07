"""Writes of the centre's care teams (CM-08): a team has a name, a purpose, a leader and its
members, all active staff of the centre who may write in files. Supervisors and directors (who
assign files) keep them. A team is never deleted (files keep it); it is made inactive, and its
members then no longer see its files through it. Audited in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinyuan.audit.actions import record
from xinyuan.cases.models import CareTeam
from xinyuan.cases.selectors import assignable_workers
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError, PermissionDeniedError

STALE_TEAM = gettext_lazy(
    "Someone else changed this team since you opened it. Nothing was saved: reload it."
)


def _clean(actor, data: dict) -> dict:
    problems: dict[str, str] = {}
    name = (data.get("name") or "").strip()
    if not name:
        problems["name"] = _("Give the team a name.")
    elif len(name) > 60:
        problems["name"] = _("A team's name is at most 60 characters.")
    workers = {w.pk: w for w in assignable_workers(actor.organisation_id)}
    members = list(data.get("members") or [])
    if any(m.pk not in workers for m in members):
        problems["members"] = _("Members are active counsellors or supervisors of this centre.")
    leader = data.get("leader")
    if leader is not None and leader.pk not in workers:
        problems["leader"] = _("The leader is an active counsellor or supervisor of this centre.")
    if problems:
        raise ValidationError(problems)
    if leader is not None and leader not in members:
        members.append(leader)
    return {
        "name": name,
        "purpose": (data.get("purpose") or "").strip()[:200],
        "leader": leader,
        "members": members,
        "is_active": bool(data.get("is_active", True)),
    }


def _require(actor) -> None:
    if actor.organisation_id is None or not permissions.has_perm(actor, permissions.ASSIGN_CASES):
        raise PermissionDeniedError(_("Only a supervisor or director keeps the teams."))


def _duplicate_name() -> ValidationError:
    return ValidationError({"name": _("The centre has a team of this name already.")})


@transaction.atomic
def do_save_team(*, actor, data: dict, team: CareTeam | None = None, version: int = 0) -> CareTeam:
    """Create a team (``team`` None) or change one (with the version the page showed)."""
    _require(actor)
    clean = _clean(actor, data)
    members = clean.pop("members")
    if team is None:
        try:
            with transaction.atomic():
                team = CareTeam.objects.create(organisation_id=actor.organisation_id, **clean)
        except IntegrityError as exc:
            raise _duplicate_name() from exc
        team.members.set(members)
        record(
            actor=actor,
            action="create",
            target=team,
            changes={"name": team.name, "members": sorted(m.pk for m in members)},
        )
        return team
    if team.organisation_id != actor.organisation_id:
        raise PermissionDeniedError(_("Only a supervisor or director keeps the teams."))
    locked = CareTeam.objects.select_for_update().get(pk=team.pk)
    if locked.version != version:
        raise ConflictError(locked.version, str(STALE_TEAM))
    before = sorted(locked.members.values_list("pk", flat=True))
    changes: dict = {}
    for name, value in clean.items():
        old = getattr(locked, name)
        if old != value:
            changes[name] = [getattr(old, "pk", old), getattr(value, "pk", value)]
            setattr(locked, name, value)
    after = sorted(m.pk for m in members)
    if before != after:
        changes["members"] = [before, after]
    if not changes:
        return locked
    locked.version += 1
    try:
        with transaction.atomic():
            locked.save(update_fields=[*clean, "version", "updated_at"])
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    locked.members.set(members)
    record(actor=actor, action="update", target=locked, changes=changes)
    return locked
