from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinyuan.core.forms import BootstrapMixin
from xinyuan.directory import rules
from xinyuan.directory.models import Institution, InstitutionKind

YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]
ACTIVE_CHOICES = [("yes", _("Active")), ("no", _("Deactivated")), ("all", _("All"))]


class InstitutionForm(BootstrapMixin, forms.ModelForm):
    """Typed values are checked by the action (``rules.entry_problems``) too; the form keeps
    what was typed when it is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Institution
        fields = [
            "name",
            "kind",
            "region",
            "address",
            "phone",
            "hours",
            "services",
            "green_channel",
            "notes",
        ]
        widgets = {
            "services": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "region": _("District, street or township, e.g. 朝阳区 建外街道."),
            "phone": _("Digits, spaces, +, - and parentheses, e.g. 010-6595 1234."),
            "hours": _("e.g. 24 hours, or Mon–Fri 8:00–17:00."),
            "green_channel": _("A fast track agreed with the centre for urgent referrals."),
        }

    def clean_phone(self):
        phone = rules.clean_text(self.cleaned_data.get("phone"))
        problem = rules.phone_problem(phone)
        if problem:
            raise forms.ValidationError(problem)
        return phone


class FilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("All")), *InstitutionKind.choices]
    )
    green_channel = forms.ChoiceField(label=_("green channel"), required=False, choices=YES_NO)
    active = forms.ChoiceField(label=_("status"), required=False, choices=ACTIVE_CHOICES)


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
