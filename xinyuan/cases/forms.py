from django import forms
from django.utils.translation import gettext_lazy as _

from xinyuan.cases.models import ConsentMethod, ConsentPurpose, FollowUp, FollowUpStatus
from xinyuan.core.forms import BootstrapMixin


class FollowUpRecordForm(BootstrapMixin, forms.ModelForm):
    status = forms.ChoiceField(
        label=_("what happened"),
        choices=[
            (FollowUpStatus.DONE, _("Reached the caller: follow-up done")),
            (FollowUpStatus.UNREACHABLE, _("Could not reach the caller")),
            (FollowUpStatus.CANCELLED, _("Cancelled")),
        ],
    )

    class Meta:
        model = FollowUp
        fields = [
            "emotional_change",
            "pain_level",
            "hope_level",
            "safety_status",
            "quality_of_life",
            "notes",
        ]
        widgets = {
            "pain_level": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "hope_level": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "quality_of_life": forms.NumberInput(attrs={"min": 0, "max": 10}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Required only for a completed follow-up (``clean``): the empty choice says so in
        # words, not Django's "---------".
        for name in ("emotional_change", "safety_status"):
            field = self.fields[name]
            field.choices = [("", _("Choose…"))] + [c for c in field.choices if c[0] != ""]

    def clean(self):
        data = super().clean()
        if data.get("status") == FollowUpStatus.DONE:
            for name in ("emotional_change", "pain_level", "hope_level", "safety_status"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Required for a completed follow-up."))
        return data


class ManagementRuleForm(BootstrapMixin, forms.Form):
    management_rule = forms.CharField(
        label=_("management rule"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: once a week, 15–20 minutes."),
    )


class RevealForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("reason for revealing the number"), max_length=300)


class ConsentForm(BootstrapMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("consent to"), choices=ConsentPurpose.choices)
    agreed = forms.TypedChoiceField(
        label=_("answer"),
        choices=[("", "—"), ("1", _("agreed")), ("0", _("refused"))],
        coerce=lambda v: v == "1",
    )
    method = forms.ChoiceField(label=_("how"), choices=ConsentMethod.choices)
    by_guardian = forms.BooleanField(label=_("given by a parent or guardian"), required=False)
    guardian_relation = forms.CharField(
        label=_("guardian's relation"), max_length=40, required=False
    )


class CallerNoteForm(BootstrapMixin, forms.Form):
    """A supervisor's time-limited note on a caller (the action checks the rules again)."""

    text = forms.CharField(
        label=_("note"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. end politely after the greeting")}),
        help_text=_(
            "Shown on this caller's every next contact until it expires. Never the number."
        ),
    )
    expires_at = forms.DateTimeField(
        label=_("in force until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("At most 90 days ahead."),
    )
