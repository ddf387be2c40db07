"""Writes of a person's file (一人一档, CM-01, decision 0020): open it, keep its basic
information, population categories, intervention level, status and assignment, add notes,
reveal its encrypted details, refer the person (CM-05) and report a high risk to the community
(CM-06).

Each action is atomic, takes the person's row lock, checks the version the page showed (a stale
one is refused with ``ConflictError``, 409, nothing saved), writes a ``FileEntry`` where the
timeline should show it, and its audit event in the same transaction. Each refuses what the
pages would (``cases.access``)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinyuan.audit.actions import record
from xinyuan.cases import rules
from xinyuan.cases.access import decide_person
from xinyuan.cases.models import (
    CaseStatus,
    CommunityReport,
    ConsentBasis,
    FileEntry,
    FileEntryKind,
    NeedKind,
    NeedStatus,
    Person,
    PopulationCategory,
    PracticalNeed,
    Referral,
    ReferralStatus,
)
from xinyuan.cases.selectors import assignable_workers
from xinyuan.core import crypto, permissions
from xinyuan.core.errors import ConflictError, PermissionDeniedError

STALE = gettext_lazy(
    "Someone else changed this file since you opened it. Nothing was saved: reload it."
)
TEXT_FIELDS = ("alias", "street", "community", "guardian_relation")
LONG_TEXT_FIELDS = ("self_evaluation", "life_events", "counselling_advice")
SECRET_FIELDS = {
    "contact_details": "contact_details_encrypted",
    "guardian": "guardian_encrypted",
}


def _locked(person: Person, version: int | None) -> Person:
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if version is not None and locked.file_version != version:
        raise ConflictError(locked.file_version, str(STALE))
    return locked


def _bump(locked: Person, fields: list[str], original: Person | None = None) -> Person:
    locked.file_version += 1
    locked.save(update_fields=[*fields, "file_version", "updated_at"])
    if original is not None:
        for name in [*fields, "file_version"]:
            setattr(original, name, getattr(locked, name))
    return locked


def _entry(locked: Person, actor, kind: str, **values) -> FileEntry:
    return FileEntry.objects.create(
        organisation_id=locked.organisation_id,
        person=locked,
        kind=kind,
        by=actor,
        at=timezone.now(),
        **values,
    )


@transaction.atomic
def do_open_file(*, actor, person: Person) -> Person:
    """Open the file of a known person (a caller known by number until now). Opening an
    already opened file changes nothing. The caller of this action (``hotline``) decided that
    the actor may work on the contact the file is opened from."""
    if not (
        permissions.has_perm(actor, permissions.EDIT_CASE_FILES)
        and actor.organisation_id == person.organisation_id
        and person.anonymised_at is None
    ):
        raise PermissionDeniedError(_("You may not open a file for this person."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.case_status:
        return locked
    locked.case_status = CaseStatus.OPEN
    locked.file_opened_at = timezone.now()
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
    _bump(locked, ["case_status", "file_opened_at", "assigned_to"], person)
    _entry(locked, actor, FileEntryKind.STATUS, status=CaseStatus.OPEN, text="")
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"case_status": ["", CaseStatus.OPEN], "assigned_to": actor.pk},
    )
    return locked


def require_file(actor, person: Person, decision: str) -> None:
    if not getattr(decide_person(actor, person), decision):
        raise PermissionDeniedError(_("You may not change this file."))
    if not person.case_status:
        raise ValidationError({"__all__": _("This person has no file yet: open it first.")})


def clean_basic_information(data: dict, *, this_year: int) -> dict:
    """The basic information as stored, or a ValidationError naming every bad field."""
    problems: dict[str, str] = {}
    out: dict = {}
    for name in TEXT_FIELDS:
        out[name] = (data.get(name) or "").strip()
    for name in LONG_TEXT_FIELDS:
        out[name] = (data.get(name) or "").strip()
    gender = data.get("gender") or "unknown"
    out["gender"] = gender
    year = data.get("birth_year")
    if year in ("", None):
        out["birth_year"] = None
    else:
        try:
            out["birth_year"] = int(year)
        except (TypeError, ValueError):
            out["birth_year"] = None
            problems["birth_year"] = _("Enter the year of birth as four digits, e.g. 1990.")
        else:
            problem = rules.birth_year_problem(out["birth_year"], this_year)
            if problem == "future":
                problems["birth_year"] = _("The year of birth cannot be in the future.")
            elif problem == "too_early":
                problems["birth_year"] = _("The year of birth must be %(year)s or later.") % {
                    "year": rules.EARLIEST_BIRTH_YEAR
                }
    categories = list(dict.fromkeys(data.get("population_categories") or []))
    unknown = [c for c in categories if c not in PopulationCategory.values]
    if unknown:
        problems["population_categories"] = _("Unknown population category: %(c)s.") % {
            "c": ", ".join(unknown)
        }
    out["population_categories"] = [c for c in PopulationCategory.values if c in categories]
    if problems:
        raise ValidationError(problems)
    return out


@transaction.atomic
def do_update_file(*, actor, person: Person, data: dict, version: int) -> Person:
    """Save the basic information (CM-01). ``data["name"]``, ``["contact_details"]`` and
    ``["guardian"]`` are stored encrypted; left empty they keep what is stored (the form never
    shows them in clear), ``clear_<field>`` empties one on purpose."""
    require_file(actor, person, "can_edit_file")
    cleaned = clean_basic_information(data, this_year=timezone.localdate().year)
    locked = _locked(person, version)
    changes: dict = {}
    fields: list[str] = []
    for name, value in cleaned.items():
        old = getattr(locked, name)
        if old != value:
            # Coded values old → new; words that may identify the person: only that they changed.
            coded = name in ("gender", "birth_year", "population_categories")
            changes[name] = [old, value] if coded else "changed"
            setattr(locked, name, value)
            fields.append(name)
    name = (data.get("name") or "").strip()
    if name or data.get("clear_name"):
        locked.name_encrypted = crypto.encrypt(name) if name else ""
        locked.name_hash = crypto.keyed_hash("name", rules.normalise_name(name)) if name else ""
        fields += ["name_encrypted", "name_hash"]
        changes["name"] = "changed" if name else "cleared"
    for key, column in SECRET_FIELDS.items():
        value = (data.get(key) or "").strip()
        if value or data.get(f"clear_{key}"):
            setattr(locked, column, crypto.encrypt(value) if value else "")
            fields.append(column)
            changes[key] = "changed" if value else "cleared"
            if key == "contact_details":
                phone = rules.phone_in(value)
                locked.contact_hash = crypto.keyed_hash("phone", phone) if phone else ""
                fields.append("contact_hash")
    if not fields:
        return locked
    _bump(locked, fields, person)
    if "population_categories" in changes:
        labels = dict(PopulationCategory.choices)
        _entry(
            locked,
            actor,
            FileEntryKind.CATEGORIES,
            text="、".join(str(labels[c]) for c in locked.population_categories),
        )
    record(actor=actor, action="update", target=locked, changes=changes)
    return locked


def person_name(person: Person) -> str:
    """The name in clear (shown on the file to whoever may see the file)."""
    return crypto.decrypt(person.name_encrypted) if person.name_encrypted else ""


@transaction.atomic
def do_reveal_file_details(*, actor, person: Person, reason: str) -> dict[str, str]:
    """The contact details and the guardian's details in clear, with the reason audited."""
    if not decide_person(actor, person).can_reveal_file_details:
        raise PermissionDeniedError(_("You may not see these details."))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError(
            {"reason": _("Say why you need the details (at least 4 characters).")}
        )
    record(
        actor=actor,
        action="reveal",
        target=person,
        changes={"fields": sorted(SECRET_FIELDS)},
        reason=reason,
    )
    return {
        key: crypto.decrypt(getattr(person, column)) if getattr(person, column) else ""
        for key, column in SECRET_FIELDS.items()
    }


@transaction.atomic
def do_set_intervention_level(
    *, actor, person: Person, level: int, reason: str, version: int
) -> Person:
    """Set the intervention level (第一级–第四级人群); the history is the file's entries."""
    require_file(actor, person, "can_edit_file")
    if level not in (1, 2, 3, 4):
        raise ValidationError({"level": _("Choose a level from 1 to 4.")})
    locked = _locked(person, version)
    if locked.intervention_level == level:
        return locked
    old = locked.intervention_level
    locked.intervention_level = level
    _bump(locked, ["intervention_level"], person)
    _entry(locked, actor, FileEntryKind.LEVEL, level=level, text=(reason or "").strip())
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"intervention_level": [old, level]},
        reason=(reason or "").strip(),
    )
    return locked


@transaction.atomic
def do_change_case_status(
    *, actor, person: Person, status: str, reason: str, version: int
) -> Person:
    """open → active → closed (a reason) → reopened (a reason) → active or closed."""
    require_file(actor, person, "can_edit_file")
    locked = _locked(person, version)
    if not rules.can_move(locked.case_status, status):
        raise ValidationError(
            {
                "status": _("A file that is %(now)s cannot be set to %(to)s.")
                % {
                    "now": CaseStatus(locked.case_status).label,
                    "to": CaseStatus(status).label if status in CaseStatus.values else status,
                }
            }
        )
    reason = (reason or "").strip()
    if status in (CaseStatus.CLOSED, CaseStatus.REOPENED) and len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for closing or reopening the file.")})
    old = locked.case_status
    locked.case_status = status
    fields = ["case_status"]
    if status == CaseStatus.CLOSED:
        locked.closed_reason = reason[:300]
        fields.append("closed_reason")
    _bump(locked, fields, person)
    _entry(locked, actor, FileEntryKind.STATUS, status=status, text=reason)
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"case_status": [old, status]},
        reason=reason,
    )
    return locked


@transaction.atomic
def do_assign_file(*, actor, person: Person, worker, version: int, team=None) -> Person:
    """Set the file's responsible worker and its team (CM-08); either may be nobody."""
    if not decide_person(actor, person).can_assign or not person.case_status:
        raise PermissionDeniedError(_("Only a supervisor or director assigns files."))
    if (
        worker is not None
        and not assignable_workers(person.organisation_id).filter(pk=worker.pk).exists()
    ):
        raise ValidationError(
            {"worker": _("Choose an active counsellor or supervisor of this centre.")}
        )
    locked = _locked(person, version)
    # An inactive team may stay (a change of worker keeps it); it is not given new files.
    if team is not None and (
        team.organisation_id != person.organisation_id
        or (not team.is_active and team.pk != locked.team_id)
    ):
        raise ValidationError({"team": _("Choose an active team of this centre.")})
    new_worker, new_team = getattr(worker, "pk", None), getattr(team, "pk", None)
    if locked.assigned_to_id == new_worker and locked.team_id == new_team:
        return locked
    changes = {}
    if locked.assigned_to_id != new_worker:
        changes["assigned_to"] = [locked.assigned_to_id, new_worker]
    if locked.team_id != new_team:
        changes["team"] = [locked.team_id, new_team]
    locked.assigned_to = worker
    locked.team = team
    _bump(locked, ["assigned_to", "team"], person)
    text = worker.work_name if worker is not None else _("nobody")
    if team is not None:
        text = f"{text} · {team.name}"
    _entry(locked, actor, FileEntryKind.ASSIGNMENT, text=text)
    record(actor=actor, action="update", target=locked, changes=changes)
    return locked


@transaction.atomic
def do_add_file_note(*, actor, person: Person, text: str) -> FileEntry:
    require_file(actor, person, "can_edit_file")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    if len(text) > 4000:
        raise ValidationError({"text": _("A note is at most 4,000 characters.")})
    locked = Person.objects.select_for_update().get(pk=person.pk)
    entry = _entry(locked, actor, FileEntryKind.NOTE, text=text)
    record(actor=actor, action="create", target=entry, changes={"person": str(locked.public_id)})
    return entry


# Referrals (CM-05) ---------------------------------------------------------------------------


@transaction.atomic
def do_create_referral(*, actor, person: Person, institution, data: dict, contact=None) -> Referral:
    """Refer or transfer the person to an active institution of the centre's directory, with
    the reason, urgency, the consent or the recorded confidentiality exception, and what must
    travel (e.g. the current psychiatric medication)."""
    require_file(actor, person, "can_edit_file")
    problems: dict[str, str] = {}
    if institution is None or institution.organisation_id != person.organisation_id:
        problems["institution"] = _("Choose an institution from your centre's directory.")
    elif not institution.active:
        problems["institution"] = _(
            "%(name)s is no longer active in the directory: choose another institution."
        ) % {"name": institution.name}
    reason = (data.get("reason") or "").strip()
    if not reason:
        problems["reason"] = _("Give the reason for the referral.")
    urgency = data.get("urgency") or ""
    if urgency not in ("routine", "soon", "urgent"):
        problems["urgency"] = _("Choose how urgent the referral is.")
    basis = data.get("consent_basis") or ""
    exception_reason = (data.get("exception_reason") or "").strip()
    if basis not in ConsentBasis.values:
        problems["consent_basis"] = _(
            "Record the person's consent, or the confidentiality exception that applies."
        )
    elif basis == ConsentBasis.EXCEPTION and len(exception_reason) < 4:
        problems["exception_reason"] = _(
            "Say why the confidentiality exception applies (danger to the person's or "
            "another's life)."
        )
    kind = data.get("kind") or "referral"
    if kind not in ("referral", "transfer"):
        problems["kind"] = _("Choose referral or transfer.")
    if contact is not None and contact.person_id != person.pk:
        problems["contact"] = _("The contact is not of this person.")
    if problems:
        raise ValidationError(problems)
    Person.objects.select_for_update().get(pk=person.pk)
    referral = Referral.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        contact=contact,
        institution=institution,
        kind=kind,
        reason=reason,
        urgency=urgency,
        consent_basis=basis,
        exception_reason=exception_reason[:300] if basis == ConsentBasis.EXCEPTION else "",
        continuity_info=(data.get("continuity_info") or "").strip(),
        green_channel=bool(data.get("green_channel")) and institution.green_channel,
        sent_at=timezone.now(),
        created_by=actor,
    )
    record(
        actor=actor,
        action="create",
        target=referral,
        changes={
            "person": str(person.public_id),
            "institution": institution.name,
            "urgency": urgency,
            "consent_basis": basis,
        },
        reason=exception_reason if basis == ConsentBasis.EXCEPTION else "",
    )
    return referral


STAMP: dict[str, str] = {
    ReferralStatus.ACCEPTED: "accepted_at",
    ReferralStatus.SEEN: "seen_at",
    ReferralStatus.CLOSED: "closed_at",
    ReferralStatus.REJECTED: "rejected_at",
}


@transaction.atomic
def do_update_referral(
    *, actor, referral: Referral, status: str, version: int, reason: str = "", outcome: str = ""
) -> Referral:
    """Walk a referral: sent → accepted → seen → closed, or rejected (with a reason); the
    outcome goes on the file. ``version``: the one the user read (409 if it moved)."""
    require_file(actor, referral.person, "can_edit_file")
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.version != version:
        raise ConflictError(
            locked.version,
            str(_("Someone else updated this referral since you read it. Nothing was saved.")),
        )
    if not rules.referral_can_move(locked.status, status):
        raise ValidationError(
            {
                "status": _("A referral that is %(now)s cannot be set to %(to)s.")
                % {
                    "now": ReferralStatus(locked.status).label,
                    "to": ReferralStatus(status).label
                    if status in ReferralStatus.values
                    else status,
                }
            }
        )
    reason = (reason or "").strip()
    if status == ReferralStatus.REJECTED and len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason the institution rejected it.")})
    old = locked.status
    locked.status = status
    setattr(locked, STAMP[status], timezone.now())
    fields = ["status", STAMP[status], "version", "updated_at"]
    if status == ReferralStatus.REJECTED:
        locked.rejection_reason = reason[:300]
        fields.append("rejection_reason")
    if (outcome or "").strip():
        locked.outcome = outcome.strip()
        fields.append("outcome")
    locked.version += 1
    locked.save(update_fields=fields)
    record(
        actor=actor,
        action="update",
        target=locked,
        changes={"status": [old, status]},
        reason=reason,
    )
    return locked


# High-risk reports to the community (CM-06) --------------------------------------------------


@transaction.atomic
def do_file_community_report(*, actor, person: Person, data: dict) -> CommunityReport:
    """Report at once that the person is at risk of self-harm, suicide or harming others: to
    the street/township contact and the community, how, and whether the family was given the
    emergency number."""
    require_file(actor, person, "can_edit_file")
    problems: dict[str, str] = {}
    risk = (data.get("risk") or "").strip()
    street_contact = (data.get("street_contact") or "").strip()
    method = data.get("method") or ""
    if not risk:
        problems["risk"] = _("Say what the risk is (self-harm, suicide, harm to others).")
    if not street_contact:
        problems["street_contact"] = _("Name the street/township contact it was reported to.")
    if method not in ("phone", "in_person", "written", "message"):
        problems["method"] = _("Choose how it was reported.")
    reported_at = data.get("reported_at") or timezone.now()
    if reported_at > timezone.now() + timedelta(minutes=5):
        problems["reported_at"] = _("The time of the report cannot be in the future.")
    if problems:
        raise ValidationError(problems)
    Person.objects.select_for_update().get(pk=person.pk)
    report = CommunityReport.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        risk=risk[:200],
        street_contact=street_contact[:200],
        community_contact=(data.get("community_contact") or "").strip()[:200],
        method=method,
        reported_at=reported_at,
        reported_by=actor,
        family_given_emergency_number=bool(data.get("family_given_emergency_number")),
    )
    record(
        actor=actor,
        action="create",
        target=report,
        changes={"person": str(person.public_id), "how": method},
    )
    # Visits are intensified (CM-06): a follow-up within 24 hours, then the policy's interval
    # while the report is open.
    from xinyuan.cases.actions.policy import intensify_after_report

    intensify_after_report(actor=actor, person=person)
    return report


@transaction.atomic
def do_acknowledge_community_report(*, actor, report: CommunityReport, by_name: str):
    require_file(actor, report.person, "can_edit_file")
    locked = CommunityReport.objects.select_for_update().get(pk=report.pk)
    by_name = (by_name or "").strip()
    if not by_name:
        raise ValidationError({"by_name": _("Name who acknowledged the report.")})
    if locked.acknowledged_at is not None:
        raise ValidationError({"by_name": _("This report was already acknowledged.")})
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by_name = by_name[:200]
    locked.save(update_fields=["acknowledged_at", "acknowledged_by_name", "updated_at"])
    record(actor=actor, action="update", target=locked, changes={"acknowledged": True})
    return locked


@transaction.atomic
def do_close_community_report(*, actor, report: CommunityReport, note: str):
    require_file(actor, report.person, "can_edit_file")
    locked = CommunityReport.objects.select_for_update().get(pk=report.pk)
    if locked.closed_at is not None:
        raise ValidationError({"note": _("This report is already closed.")})
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError({"note": _("Say why the report can be closed.")})
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.closing_note = note[:300]
    locked.save(update_fields=["closed_at", "closed_by", "closing_note", "updated_at"])
    record(actor=actor, action="update", target=locked, changes={"closed": True}, reason=note)
    return locked


# Practical needs (CM-07) ---------------------------------------------------------------------


@transaction.atomic
def do_add_need(*, actor, person: Person, data: dict, institution=None) -> PracticalNeed:
    """Record a need and, if known, the resource linked (an active directory institution of
    the centre, or a resource in words)."""
    require_file(actor, person, "can_edit_file")
    problems: dict[str, str] = {}
    kind = data.get("kind") or ""
    if kind not in NeedKind.values:
        problems["kind"] = _("Choose the kind of need.")
    description = (data.get("description") or "").strip()
    if not description:
        problems["description"] = _("Describe the need.")
    if institution is not None and (
        institution.organisation_id != person.organisation_id or not institution.active
    ):
        problems["institution"] = _("Choose an active institution from your centre's directory.")
    if problems:
        raise ValidationError(problems)
    resource = (data.get("resource") or "").strip()
    need = PracticalNeed.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        kind=kind,
        description=description[:300],
        institution=institution,
        resource=resource[:300],
        status=NeedStatus.LINKED if institution or resource else NeedStatus.OPEN,
        recorded_by=actor,
    )
    record(actor=actor, action="create", target=need, changes={"kind": kind})
    return need


@transaction.atomic
def do_update_need(
    *, actor, need: PracticalNeed, status: str, version: int | None = None
) -> PracticalNeed:
    """Change a need's status; ``version`` is the one the page showed (a stale one: 409)."""
    require_file(actor, need.person, "can_edit_file")
    if status not in NeedStatus.values:
        raise ValidationError({"status": _("Choose the need's status.")})
    locked = PracticalNeed.objects.select_for_update().get(pk=need.pk)
    if version is not None and locked.version != version:
        raise ConflictError(
            locked.version,
            _("Someone else changed this need since you opened the file. Nothing was saved."),
        )
    old = locked.status
    if old == status:
        return locked
    locked.status = status
    locked.resolved_at = timezone.now() if status in (NeedStatus.MET, NeedStatus.CLOSED) else None
    locked.version += 1
    locked.save(update_fields=["status", "resolved_at", "version", "updated_at"])
    record(actor=actor, action="update", target=locked, changes={"status": [old, status]})
    return locked
