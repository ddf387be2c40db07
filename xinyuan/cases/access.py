"""Who may see or change a person's record, decided in one place (see ``hotline/access.py``).

``access_person`` looks the person up in the user's scope (404 otherwise) and returns a
``PersonAccess`` with every decision the pages, the API and the actions need. Decisions that
need a look at other records (has this counsellor handled the caller? is a follow-up of theirs
scheduled?) are computed once, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from xinyuan.cases import selectors
from xinyuan.cases.models import (
    CallerNote,
    CareTeam,
    FollowUpReminder,
    FollowUpStatus,
    Person,
)
from xinyuan.core import permissions


@dataclass(frozen=True)
class PersonAccess:
    user: Any
    person: Person

    def _has(self, permission: str) -> bool:
        return permissions.has_perm(self.user, permission)

    @property
    def own_centre(self) -> bool:
        return (
            self.user.organisation_id is not None
            and self.user.organisation_id == self.person.organisation_id
        )

    @cached_property
    def has_handled(self) -> bool:
        """The user recorded a contact of this person (a counsellor's own callers)."""
        return self.person.contacts.filter(counsellor_id=self.user.pk).exists()

    @cached_property
    def has_follow_up_due(self) -> bool:
        """A scheduled follow-up of this person is assigned to the user."""
        return self.person.follow_ups.filter(
            assigned_to_id=self.user.pk, status=FollowUpStatus.SCHEDULED
        ).exists()

    @cached_property
    def has_any_follow_up(self) -> bool:
        """A follow-up of this person was ever assigned to the user."""
        return self.person.follow_ups.filter(assigned_to_id=self.user.pk).exists()

    @cached_property
    def in_team(self) -> bool:
        """The file is assigned to an active team the user is a member of (CM-08)."""
        if self.person.team_id is None:
            return False
        return CareTeam.members.through.objects.filter(
            careteam_id=self.person.team_id, user_id=self.user.pk, careteam__is_active=True
        ).exists()

    @cached_property
    def can_view_file(self) -> bool:
        """The person's file (CM-01): the centre's supervisors and directors; a counsellor when
        the file is theirs or their team's, or they took a contact or a follow-up of the person
        (``selectors.files_visible_to`` is the same rule as a query)."""
        if not (self.own_centre and self._has(permissions.VIEW_CASE_FILES)):
            return False
        if self._has(permissions.VIEW_ORG_CONTACTS):
            return True
        return (
            self.person.assigned_to_id == self.user.pk
            or self.in_team
            or self.has_handled
            or self.has_any_follow_up
        )

    @property
    def can_edit_file(self) -> bool:
        """Write in the file: basic information, level, status, notes, referrals, reports."""
        return (
            self.can_view_file
            and self._has(permissions.EDIT_CASE_FILES)
            and self.person.anonymised_at is None
            and self.person.merged_into_id is None
        )

    @property
    def can_assign(self) -> bool:
        return (
            self.own_centre
            and self._has(permissions.ASSIGN_CASES)
            and self.person.anonymised_at is None
            and self.person.merged_into_id is None
        )

    @property
    def can_reveal_file_details(self) -> bool:
        """The name, contact details and guardian's details in clear, with an audited reason:
        those who may call back, and the worker the file is assigned to."""
        if not self.can_view_file or self.person.anonymised_at is not None:
            return False
        return (
            self._has(permissions.REVEAL_CALLER_IDENTITY)
            or self.person.assigned_to_id == self.user.pk
        )

    @property
    def can_set_management_rule(self) -> bool:
        if not (self.own_centre and self._has(permissions.SET_MANAGEMENT_RULE)):
            return False
        return self._has(permissions.VIEW_ORG_CONTACTS) or self.has_handled

    @property
    def can_reveal_identity(self) -> bool:
        """See the caller's number, with an audited reason: those who call back, and a
        counsellor for the person whose follow-up is theirs."""
        if not self.own_centre or self.person.anonymised_at is not None:
            return False
        if self._has(permissions.REVEAL_CALLER_IDENTITY):
            return True
        return self._has(permissions.PERFORM_FOLLOW_UPS) and self.has_follow_up_due

    @property
    def can_set_caller_note(self) -> bool:
        """A time-limited note on the caller (supervisors and directors of the centre)."""
        return (
            self.own_centre
            and self.person.anonymised_at is None
            and self._has(permissions.SET_CALLER_NOTE)
        )

    @property
    def can_see_archive(self) -> bool:
        return self.own_centre and self._has(permissions.VIEW_SELF_TEST_RESULTS)

    @property
    def can_handle_data_requests(self) -> bool:
        return self.own_centre and self._has(permissions.HANDLE_DATA_REQUESTS)

    @property
    def copy_needs_notes_reason(self) -> bool:
        """The person's copy includes the clinical words of all their contacts only with a
        stated reason (each contact's notes revealed, audited), for a reader who does not read
        notes by role: a notes reveal of one contact (30 minutes) does not cover the others."""
        return not self._has(permissions.READ_CLINICAL_NOTES)


def decide_person(user, person: Person) -> PersonAccess:
    return PersonAccess(user=user, person=person)


def _lookup(qs, public_id):
    try:
        found = qs.filter(public_id=public_id).first()
    except ValidationError as exc:  # not a UUID
        raise Http404 from exc
    if found is None:
        raise Http404
    return found


def access_person(user, public_id, *, require: str | None = None) -> PersonAccess:
    """The person ``public_id`` as ``user`` may use them; 404 outside their scope; 403 when
    ``require`` names a decision (``"can_set_management_rule"`` …) the user does not have."""
    access = decide_person(user, _lookup(selectors.persons_visible_to(user), public_id))
    if require is not None and not getattr(access, require):
        raise PermissionDenied
    return access


@dataclass(frozen=True)
class ReminderAccess:
    user: Any
    reminder: FollowUpReminder

    @property
    def can_mark_read(self) -> bool:
        reminder = self.reminder
        if reminder.organisation_id != self.user.organisation_id:
            return False
        if reminder.recipient_id is not None:
            return reminder.recipient_id == self.user.pk
        return permissions.has_perm(self.user, permissions.ACKNOWLEDGE_ALERTS)


def decide_reminder(user, reminder: FollowUpReminder) -> ReminderAccess:
    return ReminderAccess(user=user, reminder=reminder)


def access_reminder(user, public_id) -> ReminderAccess:
    access = decide_reminder(user, _lookup(selectors.reminders_visible_to(user), public_id))
    if not access.can_mark_read:
        raise PermissionDenied
    return access


@dataclass(frozen=True)
class CallerNoteAccess:
    user: Any
    note: CallerNote

    @property
    def can_remove(self) -> bool:
        """Removed early by a supervisor or director of the centre, once."""
        return (
            self.note.organisation_id == self.user.organisation_id
            and self.note.removed_at is None
            and permissions.has_perm(self.user, permissions.SET_CALLER_NOTE)
        )


def decide_caller_note(user, note: CallerNote) -> CallerNoteAccess:
    return CallerNoteAccess(user=user, note=note)


def access_caller_note(user, public_id) -> CallerNoteAccess:
    """A caller note of the user's centre; 404 outside it, 403 if they may not remove it."""
    access = decide_caller_note(user, _lookup(selectors.caller_notes_visible_to(user), public_id))
    if not access.can_remove:
        raise PermissionDenied
    return access


def access_file(user, public_id, *, require: str | None = None) -> PersonAccess:
    """A person's opened file as ``user`` may use it: 404 when the file is not theirs to see
    (another centre, another counsellor's caller, no file opened), 403 when ``require`` names a
    decision they lack."""
    files = selectors.files_visible_to(user).select_related("team")
    access = decide_person(user, _lookup(files, public_id))
    if require is not None and not getattr(access, require):
        raise PermissionDenied
    return access
