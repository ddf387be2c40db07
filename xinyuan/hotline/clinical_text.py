"""Which fields hold free text about a caller, and who may read it.

One list serves three rules: the free-text clinical notes a director reads only after stating
why (field-level hiding), what retention empties, and which old → new values the audit trail
keeps encrypted under the record's own key (so retention can shred them there too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyuan.core import permissions

# What the caller said and what the counsellor wrote about it: hidden from roles that do not
# work with the caller.
CONTACT_NOTE_FIELDS = (
    "purpose",
    "emotional_state",
    "voice_cues",
    "problems",
    "goal",
    "motivation",
    "past_coping",
    "resources",
    "obstacles",
    "smart_goal",
    "options",
    "interventions",
    "actions_decided",
    "caller_feedback",
    "counsellor_notes",
    "follow_up_declined",
)
# Emptied by retention: the notes plus identifiers that could lead back to the caller
# (follow_up_declined is kept as a dash, so "the caller declined" survives).
CONTACT_TEXT_FIELDS = (
    *(name for name in CONTACT_NOTE_FIELDS if name != "follow_up_declined"),
    "external_call_id",
    "recording_url",
    "flag_reason",
)
ASSESSMENT_TEXT_FIELDS = ("plan_method", "means_detail", "override_reason")
SAFETY_PLAN_TEXT_FIELDS = (
    "warning_signs",
    "coping_steps",
    "people_to_call",
    "medical_institutions",
    "referral_advice",
    "handover_note",
)
FOLLOW_UP_TEXT_FIELDS = ("notes",)

# By model label, the free text that is clinical: hidden per role, encrypted in the trail.
NOTE_FIELDS: dict[str, tuple[str, ...]] = {
    "hotline.contact": (*CONTACT_NOTE_FIELDS, "external_call_id", "recording_url", "flag_reason"),
    "hotline.riskassessment": ASSESSMENT_TEXT_FIELDS,
    "hotline.safetyplan": SAFETY_PLAN_TEXT_FIELDS,
    "cases.followup": FOLLOW_UP_TEXT_FIELDS,
}
# Fields whose words are shown to a reader without the notes permission: operational, not what
# the caller said.
VISIBLE_TO_ALL = frozenset({"external_call_id", "recording_url", "flag_reason"})

HIDDEN = _("(hidden: state a reason to read the notes)")
REVEAL_MINUTES = 30
_SESSION_KEY = "notes_revealed"


def hidden_fields(model_label: str) -> frozenset[str]:
    """The fields of a model a reader without the notes permission does not see."""
    return frozenset(NOTE_FIELDS.get(model_label, ())) - VISIBLE_TO_ALL


@dataclass(frozen=True)
class NotesAccess:
    readable: bool
    may_reveal: bool
    revealed_until: datetime | None = None


def notes_access(request, contact, *, break_glass: bool = False) -> NotesAccess:
    """Whether this request may read the contact's clinical notes, and whether it may ask to.

    Counsellors and supervisors work with callers and read them. A supervisor in an emergency
    (break-glass) reads them: the whole access is already audited with its reason. A director
    sees the coded record and reads the words only after stating a reason (``do_reveal_notes``),
    for REVEAL_MINUTES, in that session.
    """
    user = request.user
    if break_glass or permissions.has_perm(user, permissions.READ_CLINICAL_NOTES):
        return NotesAccess(readable=True, may_reveal=False)
    may_reveal = (
        permissions.has_perm(user, permissions.REVEAL_CLINICAL_NOTES)
        and user.organisation_id == contact.organisation_id
    )
    until = _revealed_until(request, contact) if may_reveal else None
    return NotesAccess(readable=until is not None, may_reveal=may_reveal, revealed_until=until)


def _revealed_until(request, contact) -> datetime | None:
    stamp = request.session.get(_SESSION_KEY, {}).get(str(contact.public_id))
    if not stamp:
        return None
    until = datetime.fromisoformat(stamp)
    return until if until > timezone.now() else None


def remember_reveal(request, contact) -> datetime:
    """After an audited reveal: this session reads the contact's notes for REVEAL_MINUTES."""
    now = timezone.now()
    until = now + timedelta(minutes=REVEAL_MINUTES)
    grants = {
        key: stamp
        for key, stamp in request.session.get(_SESSION_KEY, {}).items()
        if datetime.fromisoformat(stamp) > now
    }
    grants[str(contact.public_id)] = until.isoformat()
    request.session[_SESSION_KEY] = grants
    return until


def mask_form(form, model_label: str) -> None:
    """Blank the hidden fields of a (read-only) form and say why they are blank."""
    hidden = hidden_fields(model_label)
    for name, field in form.fields.items():
        if name in hidden:
            form.initial[name] = ""
            field.disabled = True
            field.widget.attrs["placeholder"] = str(HIDDEN)
