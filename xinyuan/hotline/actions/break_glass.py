"""Emergency (break-glass) access to another centre's contact, and its review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_break_glass_review, may_break_glass_into
from xinyuan.hotline.models import BreakGlassAccess, Contact

MIN_REASON_LENGTH = 10


@transaction.atomic
def do_open_break_glass(
    *, actor, contacts: Iterable[Contact], reason: str
) -> list[BreakGlassAccess]:
    """Grant the actor read-only access to the contacts for BREAK_GLASS_MINUTES.

    Each grant is an audit event of the record's own centre, with the reason, and stays on that
    centre's review list until someone there reviews it.
    """
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Give the reason for the emergency access (at least %(n)s characters).")
                % {"n": MIN_REASON_LENGTH}
            }
        )
    contacts = list(contacts)
    if not contacts or not all(may_break_glass_into(actor, c) for c in contacts):
        raise PermissionDeniedError
    expires_at = timezone.now() + timedelta(minutes=settings.BREAK_GLASS_MINUTES)
    grants = []
    for contact in contacts:
        grant = BreakGlassAccess.objects.create(
            organisation_id=contact.organisation_id,
            contact=contact,
            user=actor,
            reason=reason,
            expires_at=expires_at,
        )
        record(
            actor=actor,
            action="break_glass",
            target=contact,
            changes={"expires_at": expires_at, "from_organisation": actor.organisation.name},
            reason=reason,
            organisation=contact.organisation,
        )
        grants.append(grant)
    return grants


@transaction.atomic
def do_review_break_glass(*, actor, access: BreakGlassAccess, note: str) -> BreakGlassAccess:
    """The record's centre (auditor or director) marks an emergency access as reviewed."""
    if not decide_break_glass_review(actor, access).can_review:
        raise PermissionDeniedError
    if access.reviewed_at is not None:
        raise ValidationError(_("This emergency access has already been reviewed."))
    access.reviewed_by = actor
    access.reviewed_at = timezone.now()
    access.review_note = (note or "").strip()
    access.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "updated_at"])
    record(
        actor=actor,
        action="review",
        target=access,
        changes={"review_note": access.review_note},
        organisation=access.organisation,
    )
    return access
