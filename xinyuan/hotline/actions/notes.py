"""A director reads a contact's free-text clinical notes after stating why (field-level access)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.clinical_text import hidden_fields
from xinyuan.hotline.models import Contact

MIN_REASON_LENGTH = 10
MAX_REASON_LENGTH = 1000


@transaction.atomic
def do_reveal_notes(*, actor, contact: Contact, reason: str) -> None:
    """Record that the actor reads the contact's clinical notes, with the reason given: the
    event itself opens them to the actor for ``access.NOTES_REVEAL_MINUTES`` (page and API)."""
    if not decide_contact(actor, contact).can_reveal_notes:
        raise PermissionDeniedError
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Say why you need to read the notes (at least %(n)s characters).")
                % {"n": MIN_REASON_LENGTH}
            }
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("The reason is too long (at most %(n)s characters).")
                % {"n": MAX_REASON_LENGTH}
            }
        )
    record(
        actor=actor,
        action="reveal_notes",
        target=contact,
        changes={"fields": sorted(hidden_fields("hotline.contact"))},
        reason=reason,
    )
