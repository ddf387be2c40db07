"""Which fields hold free text about a caller, and who may read it.

One list serves three rules: the free-text clinical notes a director reads only after stating
why (field-level hiding), what retention empties, and which old → new values the audit trail
keeps encrypted under the record's own key (so retention can shred them there too).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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
# The words of a disclosure (to whom, why) are clinical too: hidden like the notes, sealed in
# the trail (the disclose event keeps them under the contact's key).
DISCLOSURE_TEXT_FIELDS = ("disclosed_to", "reason")

# By model label, the free text that is clinical: hidden per role, encrypted in the trail.
NOTE_FIELDS: dict[str, tuple[str, ...]] = {
    # "disclosed_to": the recipient of a disclosure, written in the contact's own events.
    "hotline.contact": (
        *CONTACT_NOTE_FIELDS,
        "external_call_id",
        "recording_url",
        "flag_reason",
        "disclosed_to",
    ),
    "hotline.riskassessment": ASSESSMENT_TEXT_FIELDS,
    "hotline.safetyplan": SAFETY_PLAN_TEXT_FIELDS,
    "cases.followup": FOLLOW_UP_TEXT_FIELDS,
    "hotline.disclosure": DISCLOSURE_TEXT_FIELDS,
}
# Fields whose words are shown to a reader without the notes permission: operational, not what
# the caller said.
VISIBLE_TO_ALL = frozenset({"external_call_id", "recording_url", "flag_reason"})

HIDDEN = _("(hidden: state a reason to read the notes)")


def hidden_fields(model_label: str) -> frozenset[str]:
    """The fields of a model a reader without the notes permission does not see."""
    return frozenset(NOTE_FIELDS.get(model_label, ())) - VISIBLE_TO_ALL


def redact(access, model_label: str, values: dict) -> dict:
    """``values`` (a record's fields by name) as this reader may see them: the clinical words
    are None unless ``access.can_read_notes``. The page and the API both show records through
    this one function."""
    if access.can_read_notes:
        return values
    hidden = hidden_fields(model_label)
    return {name: (None if name in hidden else value) for name, value in values.items()}


def mask_form(form, model_label: str) -> None:
    """Blank the hidden fields of a (read-only) form and say why they are blank."""
    hidden = hidden_fields(model_label)
    for name, field in form.fields.items():
        if name in hidden:
            form.initial[name] = ""
            field.disabled = True
            field.widget.attrs["placeholder"] = str(HIDDEN)
