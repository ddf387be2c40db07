from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinyuan.core.forms import BootstrapMixin
from xinyuan.reports import rules

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


class ReportPeriodForm(BootstrapMixin, forms.Form):
    """A day, ISO week, month, quarter or year holding a date, or a custom range."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            (rules.DAY, _("Day")),
            (rules.WEEK, _("Week")),
            (rules.MONTH, _("Month")),
            (rules.QUARTER, _("Quarter")),
            (rules.YEAR, _("Year")),
            (rules.CUSTOM, _("Custom")),
        ],
    )
    day = forms.DateField(
        label=_("Date in the period (custom: from)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To (custom period only)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    @staticmethod
    def default(kind: str = rules.MONTH, *, previous: bool = False) -> dict:
        """This month, or (``previous``) the last month that has ended: a work report is
        filled in after its month."""
        today = timezone.localdate()
        day = today.replace(day=1) - timedelta(days=1) if previous else today
        return {"period": kind, "day": day, "until": None}

    def clean(self):
        data = super().clean()
        for name in ("day", "until"):
            day = data.get(name)
            if day and not 2000 <= day.year <= 2100:
                self.add_error(name, _("Choose a date between 2000 and 2100."))
        if self.errors:
            return data
        kind, day, until = data.get("period"), data.get("day"), data.get("until")
        if kind == rules.CUSTOM:
            if until is None:
                self.add_error("until", _("A custom period needs an end date."))
                return data
            if until < day:
                raise forms.ValidationError(_("The start date must not be after the end date."))
            if (until - day).days + 1 > rules.MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
        data["period_obj"] = rules.period_for(kind, day, until)
        return data


def period_from(request_data, *, previous: bool = False):
    """(form, period): the period asked for, or the default one when the form is empty or
    wrong (the form keeps what was typed and says what is wrong)."""
    default = ReportPeriodForm.default(previous=previous)
    form = ReportPeriodForm(request_data or None, initial=default)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["period_obj"]
    return form, rules.period_for(default["period"], default["day"])
