"""Human-readable change history: field names and choice values in the user's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyuan.audit import registry, shred
from xinyuan.core.locale import join_list
from xinyuan.core.permissions import Role

ACTION_LABELS = {
    "create": _("created"),
    "update": _("changed"),
    "assess": _("risk assessed"),
    "close": _("closed"),
    "flag": _("flagged"),
    "alert": _("alert raised"),
    "acknowledge": _("alert acknowledged"),
    "escalate": _("alert escalated to the director and all supervisors"),
    "email_escalation": _("escalation e-mailed to the director and supervisors"),
    "emergency_call": _("emergency services contacted"),
    "auto_close": _("closed by the system (no activity)"),
    "end_call": _("call ended, wrap-up pending"),
    "reveal": _("number revealed"),
    "reveal_notes": _("clinical notes read"),
    "revoke": _("revoked"),
    "view": _("viewed"),
    "list": _("listed or searched"),
    "export": _("exported"),
    "sign_off": _("signed off"),
    "login": _("signed in"),
    "login_failed": _("sign-in failed"),
    "2fa_enrol": _("two-factor sign-in set up"),
    "break_glass": _("emergency access opened"),
    "review": _("reviewed"),
    "disclose": _("disclosed or reported"),
    "rotate_keys": _("keys rotated"),
    "audit_checkpoint_file": _("audit checkpoint file started anew"),
    "retention": _("retention applied"),
    "legal_hold": _("legal hold set"),
    "legal_hold_lifted": _("legal hold lifted"),
    "erase_on_request": _("erased on the person's request"),
    "consent": _("consent recorded"),
    "consent_withdrawn": _("consent withdrawn"),
    "remove": _("removed"),
    "carry_forward": _("safety plan carried forward"),
    # Centre administration
    "invite": _("invited"),
    "issue_sign_in_link": _("one-time sign-in link made"),
    "set_password": _("password chosen through a one-time link"),
    "deactivate": _("deactivated"),
    "reactivate": _("reactivated"),
    "retire": _("retired"),
    "2fa_reset_request": _("reset of two-factor sign-in requested"),
    "2fa_reset": _("two-factor sign-in reset"),
}
EMPTY = _("(empty)")
HIDDEN_VALUE = _("(hidden)")
# Booleans whose plain yes/no would mislead (the identity key says a number was recorded).
BOOLEAN_MEANING = {"identity": {True: _("recorded"), False: _("none")}}
# Keys of audit changes that are not model fields.
EXTRA_LABELS = {
    "previous_final": _("level judged earlier in this contact"),
    "waited_seconds": _("seconds without acknowledgement"),
    "escalated": _("escalated at once"),
    "recipients": _("number of recipients"),
    "identity": _("caller's number or chat ID"),
    "source": _("source"),
    "field": _("field"),
    "status": _("status"),
    "user": _("user"),
    "name": _("name"),
    "expires_at": _("expires at"),
    "from_organisation": _("from centre"),
    "kind": _("kind"),
    "consent_purpose": _("consent to"),
    "agreed": _("agreed"),
    "consent_method": _("how"),
    "by_guardian": _("given by a guardian"),
    "follow_ups_cancelled": _("follow-ups cancelled"),
    "disclosed_to": _("disclosed to"),
    "review_note": _("review note"),
    "stage": _("sign-in step"),
    "failed_logins": _("failed attempts"),
    "locked_until": _("locked until"),
    "two_factor": _("two-factor"),
    "step": _("step"),
    "due_at": _("due at"),
    "assigned_to": _("assigned to"),
    "fields": _("fields read"),
    "records": _("records"),
    "rows": _("rows"),
    "filters": _("filters"),
    "what": _("what"),
    "level": _("risk level"),
    "audit_keys_destroyed": _("audit-trail keys destroyed"),
    "contacts": _("contacts"),
    "identities": _("identities"),
    "cutoff": _("cut-off date"),
    "from_contact": _("taken from the contact"),
    "person": _("person"),
    "removed_at": _("removed at"),
    "link": _("link"),
    "request": _("request"),
    "requested_by": _("requested by"),
    "password": _("password"),
    "username": _("user name"),
}
HIDDEN_KEYS = {
    "contact",
    "assessment",
    shred.SUBJECT_KEY,
}  # internal references, shown elsewhere on the page


@dataclass
class ChangeRow:
    label: str
    old: str | None
    new: str


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _extra_choices(name: str) -> dict:
    """Coded values of change keys that are not fields of the record's model (the apps that
    write them register their labels)."""
    return registry.value_labels(name)


def _as_local_time(value: str) -> str | None:
    """An ISO timestamp as stored in the trail, shown in local time; None if it is not one."""
    if not (isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T"):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        return None
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _display(field, value: Any, name: str = "", model=None) -> str:
    if value in (None, ""):
        return str(EMPTY)
    if isinstance(value, list | tuple):
        # A list of values (never hashable as a choice): each shown on its own terms; the
        # "fields" of a view or reveal are field names, shown by their labels.
        if name == "fields" and model is not None:
            return join_list(_field_label(model, str(v)) for v in value)
        return join_list(_display(field, v, name) for v in value)
    if name in USER_KEYS and isinstance(value, str):
        return _work_name(value)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if name in BOOLEAN_MEANING and isinstance(value, bool):
        return str(BOOLEAN_MEANING[name][value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if choices := _extra_choices(name):
        return str(choices.get(value, value))
    return _as_local_time(value) or str(value)


# Keys whose value is a username: staff appear by their work name (HL-12), never their login.
USER_KEYS = frozenset({"counsellor", "user", "assigned_to"})
# Actions that record a changed field as [old, new].
# Actions written through audit.versioned: their changes are [old, new] pairs.
PAIR_ACTIONS = frozenset({"update", "close", "flag", "end_call", "auto_close"})


def _work_name(username: str) -> str:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).only("alias", "username").first()
    return user.work_name if user is not None else username


def _field_label(model, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(getattr(field, "verbose_name", name))
    return str(EXTRA_LABELS.get(name, name))


def change_rows(
    event, *, hidden: frozenset[str] = frozenset(), ring: shred.KeyRing | None = None
) -> list[ChangeRow]:
    """One row per changed field: translated label, old and new value for display.

    The values of ``hidden`` fields (clinical notes the reader may not see) are replaced by a
    placeholder; the row stays, so the reader still sees that the field changed."""
    try:
        model = apps.get_model(event.target_type)
    except (LookupError, ValueError):
        model = None
    rows = []
    for name, value in event.opened_changes(ring).items():
        if name in HIDDEN_KEYS:
            continue
        field = _field(model, name) if model is not None else None
        if name in EXTRA_LABELS:
            label = str(EXTRA_LABELS[name])
        elif field is not None and hasattr(field, "verbose_name"):
            label = str(field.verbose_name)
        else:
            label = name.replace("_", " ")
        if name in hidden:
            placeholder = str(HIDDEN_VALUE)
            is_pair = isinstance(value, list) and len(value) == 2 and event.action in PAIR_ACTIONS
            rows.append(ChangeRow(label, placeholder if is_pair else None, placeholder))
        elif isinstance(value, list) and len(value) == 2 and event.action in PAIR_ACTIONS:
            old, new = _display(field, value[0], name), _display(field, value[1], name)
            rows.append(ChangeRow(label, old, new))
        else:
            rows.append(ChangeRow(label, None, _display(field, value, name, model)))
    return rows


def field_labels(event) -> list[str]:
    """Only the names of the fields touched: for the auditor, who sees no clinical content."""
    return [row.label for row in change_rows(event)]


# Actions whose reason is clinical text (a counsellor's override reason, why a confidentiality
# exception was made): the auditor, who sees no clinical content, is told only that a reason was
# given (and, for a disclosure, its kind and recipient). Directors read the record itself.
CLINICAL_REASON_ACTIONS = shred.CLINICAL_REASON_ACTIONS


# Reasons the system writes as a code (a change made by a consent answer, follow-ups cancelled
# by a withdrawal), shown in words.
CODED_REASONS = {
    "consent": ACTION_LABELS["consent"],
    "consent_withdrawn": ACTION_LABELS["consent_withdrawn"],
}


def reason_label(reason: str) -> str:
    """A reason as the reader should see it: a coded one in words, a typed one as typed."""
    return str(CODED_REASONS.get(reason, reason))


def reason_for_auditor(event) -> str:
    if not event.reason:
        return ""
    if event.action in CLINICAL_REASON_ACTIONS:
        return str(_("(reason given)"))
    if event.action == "view" and event.reason == "break_glass":
        return str(_("emergency access"))
    return reason_label(event.reason)


def role_label(role: str) -> str:
    return str(dict(Role.choices).get(role, role)) if role else str(_("system"))


def record_label(target_type: str) -> str:
    """The kind of record in the user's words (来电记录), not the developer's (hotline.contact)."""
    if target_type == "system":
        return str(_("system"))
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type
