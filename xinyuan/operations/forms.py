"""Forms of running the centre. They check the shape of the input; the actions check the rules
again (a form is one way in among others)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.core.forms import BootstrapMixin
from xinyuan.operations.actions.complaints import (
    PUBLIC_TEXT_MAX_LENGTH,
    REPLY_TO_MAX_LENGTH,
    STAFF_TEXT_MAX_LENGTH,
)
from xinyuan.operations.models import (
    ComplaintChannel,
    ComplaintKind,
    ComplaintStatus,
    ShiftRequestKind,
    SupervisionFormat,
    TrainingTopic,
    Weekday,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.work_name


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.work_name


class TrainingSessionForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    topic = forms.ChoiceField(label=_("content"), choices=TrainingTopic.choices)
    held_on = forms.DateField(label=_("date"), widget=DATE_WIDGET)
    hours = forms.DecimalField(label=_("hours"), max_digits=5, decimal_places=1, min_value=0.1)
    trainer = forms.CharField(label=_("trainer"), max_length=100, required=False)
    attendees = StaffMultipleChoiceField(
        label=_("attended"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=_("valid until"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Leave empty if the training does not need renewing."),
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = staff  # type: ignore[attr-defined]
        self.fields["attendees"].widget.attrs["class"] = "form-check-input"


class TrainingRecordForm(BootstrapMixin, forms.Form):
    person = StaffChoiceField(label=_("staff"), queryset=None)
    topic = forms.ChoiceField(label=_("content"), choices=TrainingTopic.choices)
    title = forms.CharField(label=_("training and provider"), max_length=200)
    hours = forms.DecimalField(label=_("hours"), max_digits=5, decimal_places=1, min_value=0.1)
    completed_on = forms.DateField(label=_("completed on"), widget=DATE_WIDGET)
    expires_on = forms.DateField(label=_("valid until"), widget=DATE_WIDGET, required=False)
    certificate = forms.CharField(label=_("certificate number"), max_length=100, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = staff  # type: ignore[attr-defined]


class SupervisionSessionForm(BootstrapMixin, forms.Form):
    format = forms.ChoiceField(label=_("format"), choices=SupervisionFormat.choices)
    held_on = forms.DateField(label=_("date"), widget=DATE_WIDGET)
    hours = forms.DecimalField(label=_("hours"), max_digits=4, decimal_places=1, min_value=0.1)
    supervisor = StaffChoiceField(label=_("supervisor"), queryset=None, required=False)
    external_supervisor = forms.CharField(
        label=_("or an invited expert"), max_length=100, required=False
    )
    attendees = StaffMultipleChoiceField(
        label=_("attendees"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.CharField(label=_("topics"), widget=forms.Textarea, max_length=2000)
    contact_numbers = forms.CharField(
        label=_("contacts discussed"),
        required=False,
        max_length=1000,
        help_text=_("Contact numbers (e.g. 2026-000123), separated by spaces or commas."),
    )

    def __init__(self, *args, staff, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = staff  # type: ignore[attr-defined]
        self.fields["attendees"].widget.attrs["class"] = "form-check-input"
        self.fields["supervisor"].queryset = supervisors  # type: ignore[attr-defined]

    def clean_contact_numbers(self) -> list[str]:
        raw = self.cleaned_data.get("contact_numbers") or ""
        return list(dict.fromkeys(n for n in re.split(r"[\s,，、;；]+", raw) if n))


class ReviewForm(BootstrapMixin, forms.Form):
    SCORES = [(str(n), str(n)) for n in range(1, 6)]

    process_score = forms.TypedChoiceField(
        label=_("process (five-stage flow)"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    attitude_score = forms.TypedChoiceField(
        label=_("attitude"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    communication_score = forms.TypedChoiceField(
        label=_("communication"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    risk_assessment_score = forms.TypedChoiceField(
        label=_("quality of the suicide-risk assessment"),
        choices=[("", _("not applicable (none was needed)")), *SCORES],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label=_("comments for the counsellor"),
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, needs_risk: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_risk:
            # The call had a risk assessment: "not applicable" would only be refused on save,
            # and as the empty choice it would be the one ticked when the form opens.
            field = self.fields["risk_assessment_score"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = self.SCORES
            field.required = True


class PublicFeedbackForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of message is it?"),
        choices=ComplaintKind.choices,
        widget=forms.RadioSelect,
        initial=ComplaintKind.SUGGESTION,
    )
    text = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=PUBLIC_TEXT_MAX_LENGTH,
    )
    reply_to = forms.CharField(
        label=_("How can we reply? (optional)"),
        required=False,
        max_length=REPLY_TO_MAX_LENGTH,
        help_text=_("A phone number or e-mail address, only if you want an answer."),
    )


class ComplaintEntryForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ComplaintKind.choices)
    channel = forms.ChoiceField(
        label=_("received by"),
        choices=[c for c in ComplaintChannel.choices if c[0] != ComplaintChannel.PUBLIC_FORM],
        initial=ComplaintChannel.PHONE,
    )
    received_at = forms.DateTimeField(
        label=_("received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    text = forms.CharField(
        label=_("what was said"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=STAFF_TEXT_MAX_LENGTH,
    )
    reply_to = forms.CharField(
        label=_("how to reply"), required=False, max_length=REPLY_TO_MAX_LENGTH
    )


class ComplaintHandleForm(BootstrapMixin, forms.Form):
    owner = StaffChoiceField(label=_("handled by"), queryset=None, required=False)
    status = forms.ChoiceField(label=_("status"), choices=ComplaintStatus.choices)
    outcome = forms.CharField(
        label=_("outcome"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = handlers  # type: ignore[attr-defined]


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[("", _("All")), ("open", _("Not resolved")), *ComplaintStatus.choices],
        required=False,
    )


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


# The planning calculator (CM-08, OP-06) ------------------------------------------------------
PEOPLE_MAX = 100_000_000


def _people(label, help_text=""):
    """A count of people; left empty it is 0."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=PEOPLE_MAX,
        initial=0,
        required=False,
        help_text=help_text,
    )


class PlanningForm(BootstrapMixin, forms.Form):
    """Counts of people and the centre's settings. Only the shape is checked here; the rules
    (``operations/planning.py``) compute from whole numbers."""

    isolated = _people(_("people in isolation"))
    frontline_medical = _people(_("front-line medical staff"))
    confirmed_patients = _people(_("confirmed patients"))
    patient_families = _people(_("families of confirmed patients"))
    bereaved_families = _people(_("bereaved families"))
    level_1 = _people(_("level 1 population"))
    level_2 = _people(_("level 2 population"))
    level_3 = _people(_("level 3 population"))
    level_4 = _people(_("level 4 population"))
    workers_available = forms.IntegerField(
        label=_("qualified workers of the centre"), min_value=0, max_value=1_000_000, initial=0
    )
    days_per_week = forms.IntegerField(
        label=_("working days per worker per week"), min_value=1, max_value=7, initial=5
    )
    hours_per_day = forms.IntegerField(
        label=_("working hours per day"), min_value=1, max_value=24, initial=8
    )
    minutes_per_assessment = forms.IntegerField(
        label=_("minutes per professional assessment"), min_value=1, max_value=1440, initial=60
    )
    sessions_per_person = forms.IntegerField(
        label=_("individual sessions per person"), min_value=1, max_value=100, initial=4
    )
    minutes_per_session = forms.IntegerField(
        label=_("minutes per individual session"), min_value=1, max_value=1440, initial=60
    )
    target_weeks = forms.IntegerField(
        label=_("finish within (weeks)"),
        min_value=1,
        max_value=520,
        required=False,
        help_text=_("Optional: how many workers would finish the work in this many weeks."),
    )

    GROUP_FIELDS = (
        "isolated",
        "frontline_medical",
        "confirmed_patients",
        "patient_families",
        "bereaved_families",
    )
    LEVEL_FIELDS = ("level_1", "level_2", "level_3", "level_4")
    SETTING_FIELDS = (
        "workers_available",
        "days_per_week",
        "hours_per_day",
        "minutes_per_assessment",
        "sessions_per_person",
        "minutes_per_session",
        "target_weeks",
    )
