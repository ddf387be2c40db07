from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from xinyuan.audit.presentation import ACTION_LABELS
from xinyuan.core.forms import BootstrapMixin

# The trail starts long after 1900; past 9998 a day's end cannot be computed.
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)
DATE_RANGE_MESSAGE = _("Enter a date between 1900-01-01 and 9998-12-31.")


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()}
        ),
        validators=[
            MinValueValidator(EARLIEST, message=DATE_RANGE_MESSAGE),
            MaxValueValidator(LATEST, message=DATE_RANGE_MESSAGE),
        ],
    )


class AuditSearchForm(BootstrapMixin, forms.Form):
    person = forms.CharField(label=_("person (label or ID)"), max_length=64, required=False)
    user = forms.CharField(label=_("user name"), max_length=150, required=False)
    record = forms.UUIDField(label=_("record ID"), required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    date_from = _date_field(_("from"))
    date_to = _date_field(_("to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + [
            (key, label) for key, label in ACTION_LABELS.items()
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned
