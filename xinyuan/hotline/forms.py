import re
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyuan.core.forms import BootstrapMixin
from xinyuan.hotline import taxonomy
from xinyuan.hotline.actions import SAFETY_PLAN_FIELDS, STAGE_FIELDS
from xinyuan.hotline.models import (
    CLOSING_OUTCOMES,
    Channel,
    Contact,
    ContactStatus,
    ContactType,
    DisclosureKind,
    EmergencyService,
    LastAttempt,
    Lethality,
    PlanTiming,
    RiskAssessment,
    RiskLevel,
    SafetyPlan,
)


class StartContactForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, initial=Channel.PHONE)
    seat = forms.ChoiceField(label=_("seat"), required=False)
    caller_number = forms.CharField(
        label=_("caller's number (optional)"),
        max_length=40,
        required=False,
        help_text=_(
            "Stored only as a keyed hash and an encrypted copy; used to recognise repeat callers."
        ),
    )
    caller_chat_id = forms.CharField(label=_("chat ID (optional)"), max_length=200, required=False)

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [("", "—")] + [(s.code, s.code) for s in seats]


class SeatForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("seat"), max_length=20, help_text=_("e.g. A05"))


# Not in the page's stage forms: the end is set by closing (or the switch), and the outcome is
# chosen once, in the close box (one outcome: what is chosen there is what closing stores).
NOT_ON_STAGE_FORMS = frozenset({"ended_at", "outcome"})


# The during-the-call layout: per stage a few coded choices and one free-text summary; the
# stage's other fields are for the wrap-up after the call (optional, folded away).
DURING_CALL_FIELDS: dict[int, tuple[str, ...]] = {
    0: ("channel", "seat", "contact_type", "recording_consent", "recording_url"),
    1: ("about", "caller_gender", "caller_age_group", "purpose"),
    2: ("strong_negative_emotion", "emotional_state"),
    3: ("problem_codes", "goal"),
    4: ("intervention_codes", "resource_codes", "smart_goal"),
    5: ("goal_attainment", "actions_decided"),
}
CODE_VOCABULARIES = {
    "problem_codes": "problems",
    "intervention_codes": "interventions",
    "resource_codes": "resources",
}


def split_fields(form, stage: int) -> tuple[list, list]:
    """The form's fields during the call, and those for the wrap-up (in the form's order)."""
    during = DURING_CALL_FIELDS.get(stage, ())
    fields = [bound for bound in form if not bound.is_hidden]
    for bound in fields:
        if bound.widget_type == "textarea":
            bound.field.widget.attrs["rows"] = 2 if bound.name in during else 3
    return (
        [bound for bound in fields if bound.name in during],
        [bound for bound in fields if bound.name not in during],
    )


def stage_form_class(stage: int) -> Any:
    stage_fields = [f for f in STAGE_FIELDS[stage] if f not in NOT_ON_STAGE_FORMS]

    class StageForm(BootstrapMixin, forms.ModelForm):
        class Meta:
            model = Contact
            fields = stage_fields
            widgets = {"recording_url": forms.URLInput()}

        def __init__(self, *args, seats=None, **kwargs):
            super().__init__(*args, **kwargs)
            if "seat" in self.fields:
                if seats is not None:
                    self.fields["seat"].queryset = seats  # type: ignore[attr-defined]
                self.fields["seat"].empty_label = "—"  # type: ignore[attr-defined]
            for field in self.fields.values():
                field.required = False
            if "contact_type" in self.fields:
                self.fields["contact_type"].required = True
            if "channel" in self.fields:
                self.fields["channel"].required = True
                self.fields["channel"].choices = Channel.choices  # type: ignore[attr-defined]
            vocabulary = taxonomy.vocabulary()
            for name, kind in CODE_VOCABULARIES.items():
                if name in self.fields:
                    codes = getattr(vocabulary, kind)
                    self.fields[name] = forms.MultipleChoiceField(
                        label=Contact._meta.get_field(name).verbose_name,
                        choices=[(c.code, c.label) for c in codes],
                        widget=forms.CheckboxSelectMultiple,
                        required=False,
                    )
            if "problem_codes" in self.fields:
                # The order the problems were ticked in: most urgent first.
                self.fields["problem_order"] = forms.CharField(
                    required=False, widget=forms.HiddenInput, max_length=2000
                )
                self.initial["problem_order"] = ",".join(self.instance.problem_codes or [])

        def clean(self):
            data = super().clean()
            if "problem_codes" in data:
                ticked = data.get("problem_codes") or []
                order = [c for c in (data.get("problem_order") or "").split(",") if c in ticked]
                data["problem_codes"] = order + [c for c in ticked if c not in order]
            data.pop("problem_order", None)
            return data

    return StageForm


class RiskAssessmentForm(BootstrapMixin, forms.ModelForm):
    final_level = forms.ChoiceField(
        label=_("your level"),
        choices=[("", _("Accept the proposed level"))] + list(RiskLevel.choices),
        required=False,
    )
    override_reason = forms.CharField(
        label=_("reason (required when your level differs)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    class Meta:
        model = RiskAssessment
        fields = [
            "ideation",
            "ideation_intensity",
            "hopelessness",
            "has_plan",
            "plan_method",
            "plan_timing",
            "method_lethality",
            "means_at_hand",
            "means_detail",
            "act_in_progress",
            "last_attempt",
            "relative_or_friend_suicide",
        ]
        widgets = {
            "ideation_intensity": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "hopelessness": forms.NumberInput(attrs={"min": 0, "max": 10}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_timing"].choices = PlanTiming.choices
        self.fields["method_lethality"].choices = Lethality.choices
        self.fields["last_attempt"].choices = LastAttempt.choices
        if not self.is_bound and (self.instance is None or self.instance._state.adding):
            if not getattr(self.instance, "rule_version", ""):
                # A first assessment: a question not yet asked is "unknown", never "never"
                # (the rule counts an unknown past attempt; it must not be assumed away).
                self.initial["last_attempt"] = LastAttempt.UNKNOWN

    def clean(self):
        data = super().clean()
        # A method or means described in words is a plan: the rule only sees the checkbox,
        # so a described plan with the box unticked must not pass silently.
        described = (data.get("plan_method") or "").strip()
        if described and not data.get("has_plan"):
            self.add_error(
                "has_plan",
                _("You described a method: tick 'suicide plan' (or clear the method)."),
            )
        return data

    def factor_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "ideation",
                "ideation_intensity",
                "hopelessness",
                "has_plan",
                "plan_timing",
                "method_lethality",
                "means_at_hand",
                "act_in_progress",
                "last_attempt",
                "relative_or_friend_suicide",
            )
        }


class SafetyPlanForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SafetyPlan
        fields = list(SAFETY_PLAN_FIELDS)


class CloseContactForm(BootstrapMixin, forms.Form):
    """The one place the outcome is chosen: it starts at the outcome recorded (by the API, or a
    close refused), never at a default that would overwrite it."""

    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[("", _("Choose the outcome…"))] + CLOSING_OUTCOMES,
        error_messages={"required": _("Choose the outcome of the contact.")},
    )

    @classmethod
    def for_contact(cls, contact: Contact) -> "CloseContactForm":
        closing = {value for value, _label in CLOSING_OUTCOMES}
        return cls(initial={"outcome": contact.outcome if contact.outcome in closing else ""})


class EmergencyCallForm(BootstrapMixin, forms.Form):
    service = forms.ChoiceField(label=_("service"), choices=EmergencyService.choices)
    reference = forms.CharField(label=_("their reference"), max_length=100, required=False)


class ContactFilterForm(BootstrapMixin, forms.Form):
    date_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    contact_type = forms.ChoiceField(
        label=_("contact type"),
        choices=[("", _("All"))] + list(ContactType.choices),
        required=False,
    )
    risk_level = forms.ChoiceField(
        label=_("risk level"), choices=[("", _("All"))] + list(RiskLevel.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All"))] + list(ContactStatus.choices), required=False
    )
    counsellor = forms.ChoiceField(label=_("counsellor"), required=False)
    q = forms.CharField(label=_("search"), max_length=100, required=False)

    def __init__(self, *args, counsellors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counsellor"].choices = [("", _("All"))] + [
            (str(c.public_id), c.work_name) for c in counsellors
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class BookFollowUpForm(BootstrapMixin, forms.Form):
    consent_given = forms.BooleanField(label=_("The caller agreed to a follow-up"), required=False)
    due_at = forms.DateTimeField(
        label=_("due at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


CONTACT_NUMBER_RE = re.compile(r"^(?P<year>\d{4})-(?P<seq>\d{1,6})$")


class BreakGlassForm(BootstrapMixin, forms.Form):
    """Find a contact of another centre of the region in an emergency, with the reason."""

    reference = forms.CharField(
        label=_("contact number"),
        max_length=40,
        required=False,
        help_text=_(
            "The contact number the other centre gave you (e.g. 2026-000123, with its centre), "
            "or the record ID."
        ),
    )
    centre = forms.ChoiceField(label=_("centre"), required=False)
    caller_number = forms.CharField(
        label=_("or the caller's number"),
        max_length=40,
        required=False,
        help_text=_("Matched by keyed hash; the number itself is not shown."),
    )
    reason = forms.CharField(
        label=_("reason for the emergency access"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_(
            "Recorded in the audit trail and reviewed by the record's centre. "
            "Example: caller at imminent risk says they called the other centre yesterday."
        ),
    )

    def __init__(self, *args, centres=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = [("", "—")] + [(str(c.public_id), c.name) for c in centres]

    def clean_reference(self):
        """A record ID (UUID) or a contact number (``2026-000123``, leading zeros optional):
        ``("id", UUID)``, ``("number", "2026-000123")`` or None."""
        value = (self.cleaned_data.get("reference") or "").strip()
        if not value:
            return None
        try:
            return ("id", uuid.UUID(value))
        except ValueError:
            pass
        match = CONTACT_NUMBER_RE.match(value)
        if match is None:
            raise forms.ValidationError(
                _("Enter a contact number such as 2026-000123, or a record ID.")
            )
        return ("number", f"{match['year']}-{int(match['seq']):06d}")

    def clean(self):
        from xinyuan.cases import rules as case_rules
        from xinyuan.hotline.actions.break_glass import MIN_REASON_LENGTH

        data = super().clean()
        reference = data.get("reference")
        if reference and reference[0] == "number" and not data.get("centre"):
            self.add_error("centre", _("Choose the centre the contact number belongs to."))
        number = (data.get("caller_number") or "").strip()
        if number and not case_rules.is_valid_phone(case_rules.normalise_identity("phone", number)):
            self.add_error("caller_number", _("Enter a phone number of digits only."))
        if not data.get("reference") and not number and not self.has_error("reference"):
            raise forms.ValidationError(_("Enter the record number or the caller's number."))
        if len((data.get("reason") or "").strip()) < MIN_REASON_LENGTH:
            self.add_error(
                "reason",
                _("Give the reason for the emergency access (at least %(n)s characters).")
                % {"n": MIN_REASON_LENGTH},
            )
        return data


class BreakGlassReviewForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("review note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )


class DisclosureForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=DisclosureKind.choices)
    disclosed_to = forms.CharField(
        label=_("disclosed to"),
        max_length=200,
        help_text=_("For example: police 110, the caller's family, the centre's head"),
    )
    disclosed_at = forms.DateTimeField(
        label=_("disclosed at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now."),
    )
    reason = forms.CharField(
        label=_("reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
