"""Who may see or change what of running the centre: staff workload, training, supervision,
call reviews and complaints, decided in one place.

One function per record kind, as in ``hotline.access``: ``decide_*`` answers from a record the
caller holds (no query), ``access_*`` does the scoped lookup and answers 404 outside the user's
scope. Whether a contact may be reviewed builds on the contact's own access
(``hotline.access``): a reviewer must be able to see the contact.

The rota is the centre's: everyone who works shifts sees the week and the coverage; those who
build the rota (supervisors, directors) assign, apply templates and approve requests; the
director (and the platform administrator of the centre) sets the service hours. A shift or a
request of another centre is not found (404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from xinyuan.core import permissions
from xinyuan.hotline.access import ContactAccess
from xinyuan.hotline.models import ContactStatus
from xinyuan.operations.models import CallReview, Complaint, Shift, ShiftRequest, ShiftRequestStatus


# Load and burn-out signals (OP-02) ------------------------------------------------------------
@dataclass(frozen=True)
class WorkloadAccess:
    user: Any

    def _has(self, permission: str) -> bool:
        return self.user.organisation_id is not None and permissions.has_perm(self.user, permission)

    @property
    def can_view_staff(self) -> bool:
        """Every counsellor's and supervisor's load in the user's centre."""
        return self._has(permissions.VIEW_STAFF_WORKLOAD)

    @property
    def can_view_own(self) -> bool:
        """The user's own load (whoever takes calls)."""
        return self._has(permissions.VIEW_OWN_WORKLOAD)

    @property
    def can_view(self) -> bool:
        return self.can_view_staff or self.can_view_own

    @property
    def can_set_limits(self) -> bool:
        """The centre's limits on each person's weekly load."""
        return self._has(permissions.SET_WORKLOAD_LIMITS)


def decide_workload(user) -> WorkloadAccess:
    return WorkloadAccess(user)


def _in_centre(user, record) -> bool:
    return user.organisation_id is not None and user.organisation_id == record.organisation_id


# Training ------------------------------------------------------------------------------------


def can_manage_training(user) -> bool:
    """Record the centre's training and supervision, see everyone's (supervisors, directors)."""
    return permissions.has_perm(user, permissions.MANAGE_TRAINING)


def can_see_training_of(user, person) -> bool:
    """A person's training page: their own (whoever takes calls), or anyone's of the centre for
    those who manage training."""
    if person.organisation_id is None or person.organisation_id != user.organisation_id:
        return False
    if can_manage_training(user):
        return True
    return person.pk == user.pk and permissions.has_perm(user, permissions.HANDLE_CONTACTS)


# Call reviews (评价考核) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactReviewAccess:
    """Whether the user may rate this contact: a closed contact of their centre that they may
    see, recorded by someone else, by a role that reviews calls."""

    contact: ContactAccess

    @property
    def can_review(self) -> bool:
        access = self.contact
        return (
            access.can_view
            and access.own_centre
            and not access.via_break_glass
            and not access.is_own_contact
            and access.contact.status == ContactStatus.CLOSED
            and permissions.has_perm(access.user, permissions.REVIEW_CALLS)
        )

    @property
    def refusal(self) -> str:
        """Why not, in the user's words ("" when they may)."""
        from django.utils.translation import gettext as _

        access = self.contact
        if not permissions.has_perm(access.user, permissions.REVIEW_CALLS):
            return _("Only a supervisor reviews calls.")
        if access.is_own_contact:
            return _("You cannot review a contact you handled yourself.")
        if access.contact.status != ContactStatus.CLOSED:
            return _("A contact is reviewed once it is closed.")
        if not (access.can_view and access.own_centre) or access.via_break_glass:
            return _("You cannot review this contact.")
        return ""


def decide_contact_review(contact_access: ContactAccess) -> ContactReviewAccess:
    return ContactReviewAccess(contact=contact_access)


@dataclass(frozen=True)
class ReviewAccess:
    user: Any
    review: CallReview

    @property
    def is_for_me(self) -> bool:
        return self.review.counsellor_id == self.user.pk

    @property
    def can_view(self) -> bool:
        """The counsellor reviewed, the reviewer, and who sees the centre's reviews."""
        if not _in_centre(self.user, self.review):
            return False
        if permissions.has_perm(self.user, permissions.VIEW_CALL_REVIEWS):
            return True
        return self.is_for_me or self.review.reviewer_id == self.user.pk

    @property
    def marks_seen(self) -> bool:
        """Opening it marks it seen: only its counsellor, the first time."""
        return self.is_for_me and self.review.seen_by_counsellor_at is None


def decide_review(user, review: CallReview) -> ReviewAccess:
    return ReviewAccess(user=user, review=review)


def access_review(user, public_id) -> ReviewAccess:
    from xinyuan.operations.selectors import reviews_visible_to

    try:
        review = reviews_visible_to(user).filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if review is None:
        raise Http404
    access = decide_review(user, review)
    if not access.can_view:
        raise Http404
    return access


# Complaints and feedback (HL-15) --------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintAccess:
    user: Any
    complaint: Complaint

    @property
    def can_view(self) -> bool:
        return _in_centre(self.user, self.complaint) and permissions.has_perm(
            self.user, permissions.HANDLE_COMPLAINTS
        )

    @property
    def can_handle(self) -> bool:
        return self.can_view


def decide_complaint(user, complaint: Complaint) -> ComplaintAccess:
    return ComplaintAccess(user=user, complaint=complaint)


def access_complaint(user, public_id) -> ComplaintAccess:
    from xinyuan.operations.selectors import complaints_visible_to

    try:
        complaint = complaints_visible_to(user).filter(public_id=public_id).first()
    except ValidationError as exc:
        raise Http404 from exc
    if complaint is None:
        raise Http404
    access = decide_complaint(user, complaint)
    if not access.can_view:
        raise Http404
    return access


def _of_a_centre(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.organisation_id is not None


@dataclass(frozen=True)
class RotaAccess:
    user: Any

    def _has(self, name: str) -> bool:
        return _of_a_centre(self.user) and permissions.has_perm(self.user, name)

    @property
    def can_view(self) -> bool:
        return self._has(permissions.VIEW_ROTA) or self._has(permissions.MANAGE_SERVICE_HOURS)

    @property
    def can_manage(self) -> bool:
        return self._has(permissions.MANAGE_ROTA)

    @property
    def can_sign_up(self) -> bool:
        return self._has(permissions.SIGN_UP_FOR_SHIFTS)

    @property
    def can_edit_service_hours(self) -> bool:
        return self._has(permissions.MANAGE_SERVICE_HOURS)

    @property
    def hears_of_gaps(self) -> bool:
        return self._has(permissions.HEAR_OF_COVERAGE_GAPS)


def decide_rota(user) -> RotaAccess:
    return RotaAccess(user)


@dataclass(frozen=True)
class ShiftAccess:
    user: Any
    shift: Shift

    @property
    def own_centre(self) -> bool:
        return _of_a_centre(self.user) and self.user.organisation_id == self.shift.organisation_id

    @property
    def can_assign(self) -> bool:
        return self.own_centre and permissions.has_perm(self.user, permissions.MANAGE_ROTA)

    @property
    def can_sign_up(self) -> bool:
        return (
            self.own_centre
            and self.shift.user_id is None
            and permissions.has_perm(self.user, permissions.SIGN_UP_FOR_SHIFTS)
        )

    @property
    def can_ask_for_change(self) -> bool:
        """Ask a colleague to take over or swap: one's own shift."""
        return (
            self.own_centre
            and self.shift.user_id == self.user.pk
            and permissions.has_perm(self.user, permissions.SIGN_UP_FOR_SHIFTS)
        )


def decide_shift(user, shift: Shift) -> ShiftAccess:
    return ShiftAccess(user, shift)


def access_shift(user, public_id) -> ShiftAccess:
    if not decide_rota(user).can_view:
        raise Http404
    shift = (
        Shift.objects.filter(organisation_id=user.organisation_id, public_id=public_id)
        .select_related("seat", "user")
        .first()
    )
    if shift is None:
        raise Http404
    return ShiftAccess(user, shift)


@dataclass(frozen=True)
class ShiftRequestAccess:
    user: Any
    request: ShiftRequest

    @property
    def own_centre(self) -> bool:
        return _of_a_centre(self.user) and self.user.organisation_id == self.request.organisation_id

    @property
    def can_accept(self) -> bool:
        """The colleague asked (or, for an open substitution, anyone who works shifts)."""
        r = self.request
        if not (
            self.own_centre
            and r.status == ShiftRequestStatus.ASKED
            and r.requested_by_id != self.user.pk
            and permissions.has_perm(self.user, permissions.SIGN_UP_FOR_SHIFTS)
        ):
            return False
        return r.colleague_id is None or r.colleague_id == self.user.pk

    @property
    def can_decline(self) -> bool:
        r = self.request
        return (
            self.own_centre
            and r.status == ShiftRequestStatus.ASKED
            and r.colleague_id == self.user.pk
        )

    @property
    def can_withdraw(self) -> bool:
        r = self.request
        return (
            self.own_centre
            and r.requested_by_id == self.user.pk
            and r.status in (ShiftRequestStatus.ASKED, ShiftRequestStatus.ACCEPTED)
        )

    @property
    def can_decide(self) -> bool:
        """Approve or reject: a supervisor or director of the centre, once accepted — not one
        of the two people the swap or substitution is between."""
        return (
            self.own_centre
            and self.request.status == ShiftRequestStatus.ACCEPTED
            and permissions.has_perm(self.user, permissions.MANAGE_ROTA)
            and self.user.pk not in (self.request.requested_by_id, self.request.colleague_id)
        )


def decide_shift_request(user, request: ShiftRequest) -> ShiftRequestAccess:
    return ShiftRequestAccess(user, request)


def access_shift_request(user, public_id) -> ShiftRequestAccess:
    if not decide_rota(user).can_view:
        raise Http404
    found = (
        ShiftRequest.objects.filter(organisation_id=user.organisation_id, public_id=public_id)
        .select_related("shift", "other_shift", "requested_by", "colleague")
        .first()
    )
    if found is None:
        raise Http404
    return ShiftRequestAccess(user, found)
