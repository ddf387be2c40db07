from django import forms
from django.utils.translation import gettext_lazy as _

from xinyuan.assessments import registry
from xinyuan.core.forms import BootstrapMixin


def _scale_choices():
    return [(code, c.scale.title.get(_current())) for code, c in sorted(registry.scales().items())]


def _current() -> str:
    from django.utils.translation import get_language

    return get_language() or "zh-hans"


DATE = forms.DateInput(attrs={"type": "date"})


class CampaignForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    scales = forms.MultipleChoiceField(
        label=_("scales"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    groups = forms.CharField(
        label=_("target groups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. a department or a class. Results are shown by group."),
    )
    starts_on = forms.DateField(
        label=_("starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    identified = forms.BooleanField(
        label=_("identified (personal links; results go to each person's archive)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scales"].choices = _scale_choices()

    def clean_groups(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["groups"].splitlines() if line.strip()]
