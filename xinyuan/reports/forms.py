from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyuan.core.forms import BootstrapMixin

MAX_DAYS = 366 * 3


class PeriodForm(BootstrapMixin, forms.Form):
    # <input type="date"> only takes ISO dates, whatever the language's date format.
    date_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    @staticmethod
    def default_period() -> dict:
        today = timezone.localdate()
        return {"date_from": today - timedelta(days=29), "date_to": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day and not 2000 <= day.year <= 2100:
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must not be after the end date."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        return data
