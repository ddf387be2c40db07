"""Reads for persons and follow-ups, scoped to the actor."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xinyuan.cases import rules
from xinyuan.cases.models import (
    CallerIdentity,
    CallerNote,
    CareTeam,
    Consent,
    ConsentPurpose,
    FollowUp,
    FollowUpReminder,
    FollowUpStatus,
    Person,
    ReminderKind,
)
from xinyuan.core import permissions


def count_recent_contacts(*, person: Person, since: datetime) -> int:
    """The person's contacts since ``since`` (through the contacts' link to the person)."""
    return person.contacts.filter(started_at__gte=since).count()


def persons_visible_to(user) -> QuerySet[Person]:
    if not user.is_authenticated or user.organisation_id is None:
        return Person.objects.none()
    if not (
        permissions.has_perm(user, permissions.HANDLE_CONTACTS)
        or permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS)
    ):
        return Person.objects.none()
    return Person.objects.filter(organisation_id=user.organisation_id)


def identities_visible_to(user) -> QuerySet[CallerIdentity]:
    """Identities whose number the user may reveal (the values stay encrypted until then)."""
    if user.organisation_id is None:
        return CallerIdentity.objects.none()
    qs = CallerIdentity.objects.filter(organisation_id=user.organisation_id)
    if permissions.has_perm(user, permissions.REVEAL_CALLER_IDENTITY):
        return qs
    if permissions.has_perm(user, permissions.PERFORM_FOLLOW_UPS):
        return qs.filter(
            person__follow_ups__assigned_to=user,
            person__follow_ups__status=FollowUpStatus.SCHEDULED,
        ).distinct()
    return CallerIdentity.objects.none()


def follow_ups_visible_to(user) -> QuerySet[FollowUp]:
    if not user.is_authenticated or user.organisation_id is None:
        return FollowUp.objects.none()
    qs = FollowUp.objects.filter(organisation_id=user.organisation_id).select_related(
        "contact", "person", "assigned_to"
    )
    if permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS):
        return qs
    if permissions.has_perm(user, permissions.PERFORM_FOLLOW_UPS):
        return qs.filter(assigned_to=user)
    return FollowUp.objects.none()


def due_follow_ups(user, *, now: datetime | None = None) -> QuerySet[FollowUp]:
    """Scheduled follow-ups, the most overdue first."""
    now = now or timezone.now()
    return follow_ups_visible_to(user).filter(status=FollowUpStatus.SCHEDULED).order_by("due_at")


def _lacks(kind: str) -> Q:
    return Q(~Exists(FollowUpReminder.objects.filter(follow_up=OuterRef("pk"), kind=kind)))


def follow_ups_needing_reminders(*, now: datetime, lead: timedelta) -> QuerySet[FollowUp]:
    """For the reminder sweep (the system, not a user): scheduled follow-ups of every
    organisation that lack a reminder ``rules.reminders_due`` gives them, the earliest first."""
    coming_due = Q(due_at__gte=now) & _lacks(ReminderKind.DUE_SOON)
    overdue = Q(due_at__lt=now) & (_lacks(ReminderKind.OVERDUE) | _lacks(ReminderKind.ESCALATED))
    return (
        FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_at__lte=now + lead)
        .filter(coming_due | overdue)
        .order_by("due_at", "pk")
    )


def reminders_visible_to(user) -> QuerySet[FollowUpReminder]:
    """Reminders addressed to the user; for supervisors and directors also the escalations of
    their organisation's overdue follow-ups."""
    if not user.is_authenticated or user.organisation_id is None:
        return FollowUpReminder.objects.none()
    mine = Q()
    if permissions.has_perm(user, permissions.PERFORM_FOLLOW_UPS):
        mine |= Q(recipient=user)
    if permissions.has_perm(user, permissions.ACKNOWLEDGE_ALERTS):
        mine |= Q(recipient__isnull=True, kind=ReminderKind.ESCALATED)
    if not mine:
        return FollowUpReminder.objects.none()
    return FollowUpReminder.objects.filter(mine, organisation_id=user.organisation_id)


def open_reminders(user) -> QuerySet[FollowUpReminder]:
    """Unread reminders of follow-ups still to be done, the most urgent first (workstation)."""
    # Once a follow-up is overdue, its earlier "due soon" reminder says nothing more.
    superseded = Q(kind=ReminderKind.DUE_SOON) & Q(follow_up__due_at__lt=timezone.now())
    return (
        reminders_visible_to(user)
        .filter(read_at__isnull=True, follow_up__status=FollowUpStatus.SCHEDULED)
        .exclude(superseded)
        .select_related("follow_up__person", "follow_up__assigned_to")
        .order_by("follow_up__due_at", "pk")
    )


def latest_consent(contact, purpose: str) -> Consent | None:
    """The caller's latest answer about ``purpose`` in this contact."""
    return (
        Consent.objects.filter(contact=contact, purpose=purpose)
        .order_by("-given_at", "-pk")
        .first()
    )


def has_sharing_consent(contact) -> bool:
    """The caller's latest answer about sharing is yes and was not withdrawn (a later refusal
    overrides an earlier agreement)."""
    qs = Consent.objects.filter(purpose=ConsentPurpose.SHARING)
    qs = qs.filter(person_id=contact.person_id) if contact.person_id else qs.filter(contact=contact)
    latest = qs.order_by("-given_at", "-pk").first()
    return latest is not None and latest.is_active


def consents_for(contact) -> list:
    """The caller's consents: of this contact, and of the same person in earlier contacts."""
    scope = Q(contact=contact)
    if contact.person_id:
        scope |= Q(person_id=contact.person_id)
    return list(
        Consent.objects.filter(scope).select_related("recorded_by").order_by("-given_at")[:50]
    )


# Caller notes ---------------------------------------------------------------------------------


def caller_notes_visible_to(user) -> QuerySet[CallerNote]:
    """The centre's caller notes, for those who take or oversee its contacts; nobody outside
    the centre sees them."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return CallerNote.objects.none()
    if not permissions.has_any(user, permissions.HANDLE_CONTACTS, permissions.VIEW_ORG_CONTACTS):
        return CallerNote.objects.none()
    return CallerNote.objects.filter(organisation_id=user.organisation_id)


def active_caller_notes(user, person_id, *, now: datetime | None = None) -> list[CallerNote]:
    """The notes on a person that are still in force (not expired, not removed), newest first."""
    now = now or timezone.now()
    return list(
        caller_notes_visible_to(user)
        .filter(person_id=person_id, removed_at__isnull=True, expires_at__gt=now)
        .select_related("set_by")
        .order_by("-created_at", "-id")
    )


def caller_notes_listed(user, *, now: datetime | None = None, ended: int = 30) -> dict:
    """The centre's notes in force (soonest to expire first) and the last ``ended`` ones that
    expired or were removed."""
    now = now or timezone.now()
    qs = caller_notes_visible_to(user).select_related("person", "set_by", "removed_by")
    in_force = Q(removed_at__isnull=True, expires_at__gt=now)
    return {
        "active": list(qs.filter(in_force).order_by("expires_at", "id")[:200]),
        "ended": list(qs.exclude(in_force).order_by("-created_at", "-id")[:ended]),
    }


# The person's file (CM-01) -------------------------------------------------------------------


def files_visible_to(user) -> QuerySet[Person]:
    """Opened files the user may see (the query form of ``PersonAccess.can_view_file``): the
    centre's every file for its supervisors and directors; for a counsellor the files assigned
    to them and of the people whose contacts or follow-ups they took."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return Person.objects.none()
    if not permissions.has_perm(user, permissions.VIEW_CASE_FILES):
        return Person.objects.none()
    qs = Person.objects.filter(organisation_id=user.organisation_id).exclude(case_status="")
    if permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS):
        return qs
    contact_model: Any = Person._meta.get_field("contacts").related_model
    handled = contact_model.objects.filter(person_id=OuterRef("pk"), counsellor_id=user.pk)
    followed = FollowUp.objects.filter(person_id=OuterRef("pk"), assigned_to_id=user.pk)
    teamed = CareTeam.members.through.objects.filter(
        careteam_id=OuterRef("team_id"), user_id=user.pk, careteam__is_active=True
    )
    return qs.filter(
        Q(assigned_to_id=user.pk) | Exists(teamed) | Exists(handled) | Exists(followed)
    )


def filter_files(
    qs: QuerySet[Person],
    *,
    q: str = "",
    status: str = "",
    level: int | None = None,
    category: str = "",
    assigned_to_id: int | None = None,
    unassigned: bool = False,
    team_id: int | None = None,
) -> QuerySet[Person]:
    """Search by label or alias (never by the encrypted name), filter by status, level,
    population category and worker; the most recently active first."""
    qs = qs.filter(merged_into__isnull=True)
    for word in (q or "").replace("\x00", "").split()[:5]:
        qs = qs.filter(Q(label__icontains=word) | Q(alias__icontains=word))
    if status:
        qs = qs.filter(case_status=status)
    if level:
        qs = qs.filter(intervention_level=level)
    if category:
        # JSON containment is not on SQLite: the list is stored with its quotes.
        qs = qs.filter(population_categories__icontains=f'"{category}"')
    if team_id:
        qs = qs.filter(team_id=team_id)
    if unassigned:
        qs = qs.filter(assigned_to__isnull=True)
    elif assigned_to_id:
        qs = qs.filter(assigned_to_id=assigned_to_id)
    return qs.select_related("assigned_to").order_by(
        models.F("last_contact_at").desc(nulls_last=True), "-file_opened_at", "-pk"
    )


def caseload(user) -> list[dict]:
    """Open files per worker of the centre (the supervisor's caseload view): active, open and
    reopened files, of which at level 1, and the worker's scheduled follow-ups overdue."""
    if not permissions.has_perm(user, permissions.ASSIGN_CASES) or user.organisation_id is None:
        return []
    now = timezone.now()
    open_statuses = ["open", "active", "reopened"]
    rows = (
        Person.objects.filter(
            organisation_id=user.organisation_id,
            case_status__in=open_statuses,
            merged_into__isnull=True,
        )
        .values("assigned_to_id", "assigned_to__alias", "assigned_to__username")
        .annotate(
            files=models.Count("pk"),
            level_1=models.Count("pk", filter=Q(intervention_level=1)),
            active=models.Count("pk", filter=Q(case_status="active")),
        )
        .order_by("-files")
    )
    overdue = dict(
        FollowUp.objects.filter(
            organisation_id=user.organisation_id, status=FollowUpStatus.SCHEDULED, due_at__lt=now
        )
        .values_list("assigned_to_id")
        .annotate(n=models.Count("pk"))
        .values_list("assigned_to_id", "n")
    )
    return [
        {
            "worker_id": row["assigned_to_id"],
            "worker": row["assigned_to__alias"] or row["assigned_to__username"] or "",
            "files": row["files"],
            "level_1": row["level_1"],
            "active": row["active"],
            "overdue_follow_ups": overdue.get(row["assigned_to_id"], 0),
        }
        for row in rows
    ]


DUPLICATE_CANDIDATES = 50  # per kind of match; a number or name shared by more says nothing


def likely_duplicates(user, person: Person, limit: int = 10) -> list[Person]:
    """Other files of the centre, among those ``user`` may see, that may be the same person
    (CM-01): the same phone number (a caller's identity or a number in a file's contact
    details, compared by keyed hash); or the same keyed name hash with the same year of birth
    or in the same street. Never a file the user may not open (a name typed in would otherwise
    reveal it).

    Candidates come from indexed lookups of a few rows each, then one query by primary key: no
    OR over the centre's files. A hash shared by more than ``DUPLICATE_CANDIDATES`` files (a
    welfare home's number, a common name) suggests nothing."""
    org = person.organisation_id
    lookups: list[QuerySet[Any, int]] = []
    if person.name_hash:
        near = Q(birth_year=person.birth_year) if person.birth_year else Q()
        if person.street:
            near |= Q(street=person.street)
        if near:
            lookups.append(
                Person.objects.filter(
                    near, organisation_id=org, name_hash=person.name_hash
                ).values_list("pk", flat=True)
            )
    # The person's own numbers: their caller identities, and the number in the file's contact
    # details. Looked up first, so that the candidates come from equality lookups on indexed
    # hashes (a subquery here made PostgreSQL scan the centre's files: 150 ms at 1M persons).
    phones = set(
        CallerIdentity.objects.filter(person_id=person.pk, kind="phone").values_list(
            "value_hash", flat=True
        )
    )
    if person.contact_hash:
        phones.add(person.contact_hash)
    if phones:
        by_identity = (
            CallerIdentity.objects.filter(organisation_id=org, kind="phone", value_hash__in=phones)
            .exclude(person_id=person.pk)
            .values_list("person_id", flat=True)
        )
        by_details = (
            Person.objects.filter(organisation_id=org, contact_hash__in=phones)
            .exclude(pk=person.pk)
            .values_list("pk", flat=True)
        )
        lookups.append(by_identity.union(by_details))
    if not lookups:
        return []
    candidates: set[int] = set()
    for lookup in lookups:
        found = list(lookup[: DUPLICATE_CANDIDATES + 1])
        if len(found) <= DUPLICATE_CANDIDATES:
            candidates.update(found)
    candidates.discard(person.pk)
    if not candidates:
        return []
    return list(
        files_visible_to(user)
        .filter(pk__in=candidates, organisation_id=org, merged_into__isnull=True)
        .exclude(case_status="")
        .order_by("-pk")[:limit]
    )


def open_community_reports(person: Person) -> list:
    return list(
        person.community_reports.filter(closed_at__isnull=True)
        .select_related("reported_by")
        .order_by("-reported_at")
    )


def referrals_of(person: Person) -> list:
    return list(
        person.referrals.select_related("institution", "created_by").order_by("-sent_at", "-pk")
    )


def assignable_workers(organisation_id: int):
    """Active staff of the centre who may write in files (counsellors, supervisors)."""
    roles = permissions.roles_with(permissions.EDIT_CASE_FILES)
    return (
        get_user_model()
        .objects.filter(organisation_id=organisation_id, is_active=True, role__in=roles)
        .order_by("alias", "username")
    )


def recent_merges(person: Person) -> list:
    """Merges into this file that can still be undone, newest first."""
    from xinyuan.cases.models import PersonMerge

    since = timezone.now() - timedelta(days=rules.MERGE_UNDO_DAYS)
    return list(
        PersonMerge.objects.filter(target=person, undone_at__isnull=True, created_at__gte=since)
        .select_related("source", "merged_by")
        .order_by("-created_at")
    )


# Care teams (CM-08) ----------------------------------------------------------------------------


def teams_of_centre(organisation_id: int, *, active_only: bool = True) -> QuerySet[CareTeam]:
    qs = CareTeam.objects.filter(organisation_id=organisation_id)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("name", "pk")


def teams_visible_to(user) -> QuerySet[CareTeam]:
    """The teams a user may filter by: the centre's every team for those who see the whole
    centre's files, otherwise the active teams they are a member of."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return CareTeam.objects.none()
    if not permissions.has_perm(user, permissions.VIEW_CASE_FILES):
        return CareTeam.objects.none()
    if permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS):
        return teams_of_centre(user.organisation_id, active_only=False)
    return teams_of_centre(user.organisation_id).filter(members=user)


def team_follow_ups(qs: QuerySet[FollowUp], team: CareTeam) -> QuerySet[FollowUp]:
    """The team's follow-ups: those of the team's files (one rule for the list and the
    caseload's count)."""
    return qs.filter(person__team_id=team.pk)


def active_members(organisation_id: int):
    """Team memberships of active staff of the centre (deactivated staff drop out)."""
    return CareTeam.members.through.objects.filter(
        careteam__organisation_id=organisation_id, user__is_active=True
    )


def team_caseload(user) -> list[dict]:
    """Open files per team of the centre, beside the per-worker caseload: files, active,
    level 1, and the team's scheduled follow-ups overdue (``team_follow_ups``)."""
    if not permissions.has_perm(user, permissions.ASSIGN_CASES) or user.organisation_id is None:
        return []
    now = timezone.now()
    live = Q(files__merged_into__isnull=True, files__case_status__in=["open", "active", "reopened"])
    teams = list(
        teams_of_centre(user.organisation_id)
        .select_related("leader")
        .annotate(
            open_files=models.Count("files", filter=live),
            active_files=models.Count("files", filter=live & Q(files__case_status="active")),
            level_1=models.Count("files", filter=live & Q(files__intervention_level=1)),
        )
    )
    overdue = dict(
        FollowUp.objects.filter(
            organisation_id=user.organisation_id,
            status=FollowUpStatus.SCHEDULED,
            due_at__lt=now,
            person__team__isnull=False,
        )
        .values_list("person__team_id")
        .annotate(n=models.Count("pk"))
        .values_list("person__team_id", "n")
    )
    # Counted apart: a second to-many join in the same query would multiply the file counts.
    sizes = {
        row["careteam_id"]: row["n"]
        for row in active_members(user.organisation_id)
        .values("careteam_id")
        .annotate(n=models.Count("pk"))
    }
    return [
        {
            "team": team,
            "files": team.open_files,
            "active": team.active_files,
            "level_1": team.level_1,
            "members": sizes.get(team.pk, 0),
            "overdue_follow_ups": overdue.get(team.pk, 0),
        }
        for team in teams
    ]
