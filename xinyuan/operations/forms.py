from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.core.forms import BootstrapMixin
from xinyuan.operations.models import ShiftRequestKind, Weekday


class ServiceWindowForm(BootstrapMixin, forms.Form):
    weekday = forms.TypedChoiceField(label=_("weekday"), choices=Weekday.choices, coerce=int)
    starts_at = forms.TimeField(
        label=pgettext_lazy("time of day", "from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        label=pgettext_lazy("time of day", "to"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("00:00 means midnight at the end of the day."),
    )
    min_seats = forms.IntegerField(label=_("minimum staffed seats"), initial=2)


class RoundTheClockForm(BootstrapMixin, forms.Form):
    min_seats = forms.IntegerField(label=_("minimum staffed seats"), initial=2)


class _PeopleMixin:
    def _people(self, people, blank_label):
        return [("", blank_label)] + [(str(u.public_id), u.work_name) for u in people]


class ShiftTemplateForm(_PeopleMixin, BootstrapMixin, forms.Form):
    weekday = forms.TypedChoiceField(label=_("weekday"), choices=Weekday.choices, coerce=int)
    starts_at = forms.TimeField(
        label=pgettext_lazy("time of day", "from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        label=pgettext_lazy("time of day", "to"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    seat = forms.ChoiceField(label=_("seat"))
    default_user = forms.ChoiceField(label=_("usually staffed by"), required=False)

    def __init__(self, *args, seats, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [(s.code, s.code) for s in seats]
        self.fields["default_user"].choices = self._people(people, _("(open)"))


class ShiftForm(_PeopleMixin, BootstrapMixin, forms.Form):
    seat = forms.ChoiceField(label=_("seat"))
    day = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(
        label=pgettext_lazy("time of day", "from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        label=pgettext_lazy("time of day", "to"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    person = forms.ChoiceField(label=_("staff"), required=False)

    def __init__(self, *args, seats, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [(s.code, s.code) for s in seats]
        self.fields["person"].choices = self._people(people, _("(open)"))


class AskForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ShiftRequestKind.choices)
    colleague = forms.UUIDField(label=_("colleague"), required=False)
    other_shift = forms.UUIDField(label=_("in exchange for"), required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)
