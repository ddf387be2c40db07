"""Caller notes: a supervisor's short, time-limited note on a caller ("end politely after the
greeting"), shown on every next contact of that person until it expires or is removed early.
Each set and removal is audited."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.cases.access import decide_caller_note, decide_person
from xinyuan.cases.models import CallerNote, Person
from xinyuan.core.errors import PermissionDeniedError

NOTE_MAX_LENGTH = 200
NOTE_MAX_DAYS = 90
# A run of 7 or more digits (spaces and dashes allowed between them) looks like a phone number:
# a note never carries the caller's number.
_NUMBER_LIKE = re.compile(r"\d(?:[\s-]?\d){6,}")


def check_caller_note(text: str, expires_at: datetime | None, *, now: datetime) -> str:
    """The note's text, cleaned, or a ValidationError naming each problem in the user's words."""
    text = " ".join((text or "").split())
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Write the note.")]
    elif len(text) > NOTE_MAX_LENGTH:
        errors["text"] = [
            _("Keep the note to %(max)s characters or fewer.") % {"max": NOTE_MAX_LENGTH}
        ]
    elif _NUMBER_LIKE.search(text):
        errors["text"] = [_("A caller note never holds a phone number.")]
    if expires_at is None:
        errors["expires_at"] = [_("Say until when the note holds.")]
    elif expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif expires_at > now + timedelta(days=NOTE_MAX_DAYS):
        errors["expires_at"] = [
            _("A caller note holds for at most %(days)s days.") % {"days": NOTE_MAX_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    return text


@transaction.atomic
def do_set_caller_note(*, actor, person: Person, text: str, expires_at: datetime) -> CallerNote:
    """Set a note on the caller, in force until ``expires_at`` (at most 90 days ahead)."""
    if not decide_person(actor, person).can_set_caller_note:
        raise PermissionDeniedError
    text = check_caller_note(text, expires_at, now=timezone.now())
    note = CallerNote.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        text=text,
        expires_at=expires_at,
        set_by=actor,
    )
    record(
        actor=actor,
        action="create",
        target=note,
        changes={"person": person.label, "text": text, "expires_at": expires_at},
    )
    return note


@transaction.atomic
def do_remove_caller_note(*, actor, note: CallerNote) -> CallerNote:
    """End a note before it expires. A note removed or expired already is left as it is."""
    locked = CallerNote.objects.select_for_update().get(pk=note.pk)
    if not decide_caller_note(actor, locked).can_remove:
        raise PermissionDeniedError
    now = timezone.now()
    if locked.expires_at <= now:
        raise ValidationError({"expires_at": _("This note has already expired.")})
    locked.removed_at, locked.removed_by = now, actor
    locked.save(update_fields=["removed_at", "removed_by", "updated_at"])
    record(actor=actor, action="remove", target=locked, changes={"removed_at": now})
    note.removed_at, note.removed_by = locked.removed_at, locked.removed_by
    return locked
