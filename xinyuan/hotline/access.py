"""Who may see or change a contact, decided in one place (in the spirit of Zulip's ``access_*``).

``access_contact(user, public_id, edit=…)`` does the lookup a page, an API operation or a form
post needs — the user's scope, or an emergency (break-glass) grant from another centre — and
answers 404 (no such record for this user) or 403 (seen but not to be changed). It returns a
``ContactAccess``: the record with every decision about it. Views, the API, actions and
templates read those decisions (``access.can_edit``, ``access.can_read_notes`` …) and decide
nothing themselves; actions call ``decide_contact`` on the record they are given, so an action
called from anywhere applies the same rules.

Decisions are pure functions of the user's permissions (``core.permissions``), the record and
the grants found by the lookup: a table test covers each persona against their own record, a
colleague's, another centre's, under a break-glass grant and after a reveal
(``hotline/tests/test_access.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from xinyuan.accounts.access import access_centre, runs_centre
from xinyuan.core import permissions
from xinyuan.hotline import selectors
from xinyuan.hotline.models import BreakGlassAccess, Contact, RiskAlert, Seat

# A director's reason to read a contact's clinical notes opens them for this long (to that user,
# in the page and the API alike); each read is still audited.
NOTES_REVEAL_MINUTES = 30


@dataclass(frozen=True)
class ContactAccess:
    """A contact as one user may use it. Build it with ``access_contact`` or ``decide_contact``."""

    user: Any
    contact: Contact
    # The emergency access this user holds to another centre's contact (read-only).
    grant: BreakGlassAccess | None = None
    # Until when a director's audited reason lets them read the clinical notes.
    notes_revealed_until: datetime | None = None

    def _has(self, permission: str) -> bool:
        return permissions.has_perm(self.user, permission)

    @property
    def own_centre(self) -> bool:
        return (
            self.user.organisation_id is not None
            and self.user.organisation_id == self.contact.organisation_id
        )

    @property
    def via_break_glass(self) -> bool:
        return self.grant is not None

    @property
    def is_own_contact(self) -> bool:
        return self.contact.counsellor_id == self.user.pk

    @property
    def can_view(self) -> bool:
        if self.via_break_glass:
            return True
        if not self.own_centre:
            return False
        if self._has(permissions.VIEW_ORG_CONTACTS):
            return True
        return self.is_own_contact and self._has(permissions.HANDLE_CONTACTS)

    @property
    def can_edit(self) -> bool:
        """Record the call: the contact's own counsellor, or a duty lead taking it over. Never
        from another centre, never once the record is anonymised."""
        if not self.own_centre or self.contact.anonymised_at is not None:
            return False
        if self.is_own_contact and self._has(permissions.HANDLE_CONTACTS):
            return True
        return self._has(permissions.TAKE_OVER_CONTACTS)

    @property
    def can_read_notes(self) -> bool:
        """What the caller said and the counsellor wrote (``clinical_text``): those who work
        with the caller; a supervisor in an emergency access (audited with its reason); a
        director for a while after stating why."""
        if self.via_break_glass:
            return True
        if not self.own_centre:
            return False
        if self._has(permissions.READ_CLINICAL_NOTES):
            return True
        return self.notes_revealed_until is not None

    @property
    def can_reveal_notes(self) -> bool:
        """May state a reason to read the notes (a director of the centre)."""
        return (
            self.own_centre
            and self._has(permissions.REVEAL_CLINICAL_NOTES)
            and not self._has(permissions.READ_CLINICAL_NOTES)
        )

    @property
    def can_disclose(self) -> bool:
        """Record a confidentiality exception or a report (HL-10/HL-11)."""
        if not self.own_centre:
            return False
        if self._has(permissions.VIEW_ORG_CONTACTS):
            return True
        return self.is_own_contact and self._has(permissions.HANDLE_CONTACTS)

    @property
    def can_hold(self) -> bool:
        """Place under legal hold or lift it (HL-13)."""
        return (
            self.own_centre
            and self._has(permissions.SET_LEGAL_HOLD)
            and self.contact.anonymised_at is None
        )

    @property
    def has_person(self) -> bool:
        return self.contact.person_id is not None

    @property
    def can_reveal_identity(self) -> bool:
        """See the caller's number (to call back), with an audited reason. A counsellor with a
        follow-up of the person reveals it from the follow-up (``cases.access``)."""
        return self.has_person and self.own_centre and self._has(permissions.REVEAL_CALLER_IDENTITY)

    @property
    def can_set_management_rule(self) -> bool:
        """The repeated caller's management rule (HL-08): a counsellor for callers they handle,
        supervisors and directors for the centre's."""
        if not (self.has_person and self.own_centre):
            return False
        if not self._has(permissions.SET_MANAGEMENT_RULE):
            return False
        return self._has(permissions.VIEW_ORG_CONTACTS) or self.is_own_contact

    @property
    def can_take_follow_ups(self) -> bool:
        """Record a due follow-up of the person as this call (the person rang in): whoever
        records this contact, if their role follows up (``access_follow_up_in_contact``)."""
        return self.has_person and self.can_edit and self._has(permissions.PERFORM_FOLLOW_UPS)

    @property
    def can_set_caller_note(self) -> bool:
        """A time-limited note on the caller shown on their next contacts: supervisors and
        directors of the centre (``cases.access`` decides the same for the person)."""
        return self.has_person and self.own_centre and self._has(permissions.SET_CALLER_NOTE)

    @property
    def can_see_archive(self) -> bool:
        """The person's mental-health archive (self-test results)."""
        return self.has_person and self.own_centre and self._has(permissions.VIEW_SELF_TEST_RESULTS)

    @property
    def can_handle_data_requests(self) -> bool:
        """The person's PIPL requests: a copy of their data, erasure on an approved request."""
        return self.has_person and self.own_centre and self._has(permissions.HANDLE_DATA_REQUESTS)

    @property
    def copy_needs_notes_reason(self) -> bool:
        """The person's copy (PIPL) includes the notes only with a reason: the person's rule
        (``cases.access``), not this contact's reveal, which covers this contact alone."""
        from xinyuan.cases.access import decide_person

        person = self.contact.person
        return person is not None and decide_person(self.user, person).copy_needs_notes_reason

    @property
    def can_give_scale(self) -> bool:
        """Give a self-assessment scale to the caller during the contact."""
        return self.has_person and self.can_edit

    @property
    def can_acknowledge_alerts(self) -> bool:
        return self.own_centre and self._has(permissions.ACKNOWLEDGE_ALERTS)


def decide_contact(
    user,
    contact: Contact,
    *,
    grant: BreakGlassAccess | None = None,
    notes_revealed_until: datetime | None = None,
) -> ContactAccess:
    """The decisions about a contact the caller already holds (no query)."""
    return ContactAccess(
        user=user, contact=contact, grant=grant, notes_revealed_until=notes_revealed_until
    )


def notes_reveal_valid_from(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=NOTES_REVEAL_MINUTES)


def _notes_revealed_until(user, contact: Contact) -> datetime | None:
    """A director's last audited reason for this contact, while it is valid."""
    from xinyuan.audit.selectors import last_event_at

    revealed_at = last_event_at(
        actor=user,
        action="reveal_notes",
        target=contact,
        since=notes_reveal_valid_from(),
    )
    return revealed_at + timedelta(minutes=NOTES_REVEAL_MINUTES) if revealed_at else None


def access_contact(user, public_id, *, edit: bool = False) -> ContactAccess:
    """The contact ``public_id`` as ``user`` may use it; 404 if it is not theirs to see, 403 if
    ``edit`` and they may not change it.

    Looks in the user's scope (a counsellor: their own contacts; supervisors and directors:
    their centre's), then in their unexpired emergency accesses to other centres' records."""
    try:
        contact = selectors.contact_visible_to(user, public_id)
    except ValidationError as exc:  # not a UUID
        raise Http404 from exc
    grant = None
    if contact is None:
        grant = selectors.break_glass_grant(user, public_id)
        if grant is None:
            raise Http404
        contact = grant.contact
    revealed = None
    if grant is None and permissions.has_perm(user, permissions.REVEAL_CLINICAL_NOTES):
        revealed = _notes_revealed_until(user, contact)
    access = decide_contact(user, contact, grant=grant, notes_revealed_until=revealed)
    if not access.can_view:
        raise Http404
    if edit and not access.can_edit:
        raise PermissionDenied
    return access


# Follow-ups of a contact ----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpAccess:
    """A follow-up as one user may use it; ``contact`` is the access to its contact (the notes
    shown with the follow-up obey the same decision as the contact's page)."""

    user: Any
    follow_up: Any
    contact: ContactAccess
    # The contact in which the person rang while the follow-up was due (the counsellor on that
    # call records it, whoever it was assigned to).
    in_contact: ContactAccess | None = None

    @property
    def answered_in_contact(self) -> bool:
        """The person of the follow-up is on the line in a contact the user records."""
        taken = self.in_contact
        return (
            taken is not None
            and taken.can_edit
            and taken.contact.person_id is not None
            and taken.contact.person_id == self.follow_up.person_id
            and taken.contact.pk != self.follow_up.contact_id
        )

    @property
    def can_view(self) -> bool:
        follow_up = self.follow_up
        if follow_up.organisation_id != self.user.organisation_id:
            return False
        if permissions.has_perm(self.user, permissions.VIEW_ORG_CONTACTS):
            return True
        if self.answered_in_contact:
            return True
        return follow_up.assigned_to_id == self.user.pk and permissions.has_perm(
            self.user, permissions.PERFORM_FOLLOW_UPS
        )

    @property
    def can_record(self) -> bool:
        """Record the call's outcome (附件2): still scheduled, by someone who follows up."""
        from xinyuan.cases.models import FollowUpStatus

        return (
            self.can_view
            and permissions.has_perm(self.user, permissions.PERFORM_FOLLOW_UPS)
            and self.follow_up.status == FollowUpStatus.SCHEDULED
        )

    @property
    def can_open_contact(self) -> bool:
        return self.contact.can_view

    @property
    def can_read_notes(self) -> bool:
        return self.contact.can_read_notes

    @property
    def can_reveal_identity(self) -> bool:
        from xinyuan.cases.access import decide_person

        person = self.follow_up.person
        return person is not None and decide_person(self.user, person).can_reveal_identity


def decide_follow_up(
    user, follow_up, *, notes_revealed_until=None, in_contact: Contact | None = None
) -> FollowUpAccess:
    contact = decide_contact(user, follow_up.contact, notes_revealed_until=notes_revealed_until)
    taken = decide_contact(user, in_contact) if in_contact is not None else None
    return FollowUpAccess(user=user, follow_up=follow_up, contact=contact, in_contact=taken)


def access_follow_up(user, public_id, *, record: bool = False) -> FollowUpAccess:
    """The follow-up as ``user`` may use it; 404 outside their scope, 403 if ``record`` and
    they may not record it."""
    from xinyuan.cases.selectors import follow_ups_visible_to

    try:
        follow_up = follow_ups_visible_to(user).filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if follow_up is None:
        raise Http404
    revealed = None
    if permissions.has_perm(user, permissions.REVEAL_CLINICAL_NOTES):
        revealed = _notes_revealed_until(user, follow_up.contact)
    access = decide_follow_up(user, follow_up, notes_revealed_until=revealed)
    if not access.can_view:
        raise Http404
    if record and not access.can_record:
        raise PermissionDenied
    return access


def access_follow_up_in_contact(taken: ContactAccess, public_id) -> FollowUpAccess:
    """A scheduled follow-up of the person on the line, recorded as this call (the contact
    ``taken`` the user records): 404 unless the follow-up is that person's, in the centre, and
    still scheduled; 403 if the user may not record it."""
    from xinyuan.cases.models import FollowUp, FollowUpStatus

    contact = taken.contact
    if contact.person_id is None or not taken.own_centre:
        raise Http404
    try:
        follow_up = (
            FollowUp.objects.filter(
                organisation_id=contact.organisation_id,
                person_id=contact.person_id,
                status=FollowUpStatus.SCHEDULED,
                public_id=public_id,
            )
            .select_related("contact", "person", "assigned_to")
            .first()
        )
    except ValidationError as exc:
        raise Http404 from exc
    if follow_up is None:
        raise Http404
    access = decide_follow_up(taken.user, follow_up, in_contact=contact)
    if not access.can_record:
        raise PermissionDenied
    return access


# Alerts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertAccess:
    user: Any
    alert: RiskAlert

    @property
    def can_acknowledge(self) -> bool:
        return (
            permissions.has_perm(self.user, permissions.ACKNOWLEDGE_ALERTS)
            and self.user.organisation_id == self.alert.organisation_id
        )


def decide_alert(user, alert: RiskAlert) -> AlertAccess:
    return AlertAccess(user=user, alert=alert)


def access_alert(user, public_id) -> AlertAccess:
    alert = selectors.alerts_visible_to(user).filter(public_id=public_id).first()
    if alert is None:
        raise Http404
    return decide_alert(user, alert)


# Emergency accesses under review (the record's own centre) ---------------------------------


@dataclass(frozen=True)
class BreakGlassReviewAccess:
    user: Any
    access: BreakGlassAccess

    @property
    def can_review(self) -> bool:
        """The record's own centre reviews (auditors and directors)."""
        return (
            permissions.has_perm(self.user, permissions.VIEW_AUDIT)
            and self.user.organisation_id == self.access.organisation_id
        )


def decide_break_glass_review(user, access: BreakGlassAccess) -> BreakGlassReviewAccess:
    return BreakGlassReviewAccess(user=user, access=access)


def access_break_glass_review(user, public_id) -> BreakGlassReviewAccess:
    found = selectors.break_glass_accesses_for_review(user).filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return decide_break_glass_review(user, found)


def may_break_glass_into(user, contact: Contact) -> bool:
    """An emergency access only into another centre of the user's own region."""
    if not permissions.has_perm(user, permissions.BREAK_GLASS):
        return False
    own = user.organisation
    return (
        own is not None
        and own.region_id is not None
        and contact.organisation_id != own.pk
        and contact.organisation.region_id == own.region_id
    )


@dataclass(frozen=True)
class SeatAccess:
    user: Any
    seat: Seat

    @property
    def can_change(self) -> bool:
        """Seats are set up by those who run the centre (accounts.access.runs_centre)."""
        return runs_centre(self.user, self.seat.organisation_id)


def decide_seat(user, seat: Seat) -> SeatAccess:
    return SeatAccess(user=user, seat=seat)


def access_seat(user, public_id) -> SeatAccess:
    """A seat of the centre the user runs: 403 for those who run none, 404 elsewhere."""
    access_centre(user)
    try:
        seat = selectors.seats_managed_by(user).filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if seat is None:
        raise Http404
    return decide_seat(user, seat)
