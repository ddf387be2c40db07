"""The forms of a person's file. The actions check everything again (``cases.actions.files``);
these give the pages their fields, labels and a first check that keeps what was typed."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.cases.models import (
    CaseStatus,
    ConsentBasis,
    InterventionApproach,
    InterventionLevel,
    NeedKind,
    NeedStatus,
    PersonGender,
    PlanStatus,
    PopulationCategory,
    ReferralKind,
    ReferralStatus,
    ReferralUrgency,
    ReportMethod,
    SessionProgress,
)
from xinyuan.core.forms import BootstrapMixin, FastSelect

KEEP = _("unchanged — type to replace")
GREEN_CHANNEL = _("green channel")


class FileForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    alias = forms.CharField(label=_("name or alias"), max_length=60, required=False)
    name = forms.CharField(
        label=_("full name (encrypted)"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    gender = forms.ChoiceField(label=_("gender"), choices=PersonGender.choices)
    birth_year = forms.CharField(
        label=_("year of birth"),
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "1990"}),
    )
    street = forms.CharField(
        label=_("street or township (街道/乡镇)"), max_length=100, required=False
    )
    community = forms.CharField(label=_("community (社区)"), max_length=100, required=False)
    contact_details = forms.CharField(
        label=_("contact details (encrypted)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": KEEP}),
    )
    clear_contact_details = forms.BooleanField(label=_("remove the stored ones"), required=False)
    guardian_relation = forms.CharField(
        label=_("guardian's relation (for a minor)"), max_length=40, required=False
    )
    guardian = forms.CharField(
        label=_("guardian's name and phone (encrypted)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": KEEP}),
    )
    clear_guardian = forms.BooleanField(label=_("remove the stored ones"), required=False)
    population_categories = forms.MultipleChoiceField(
        label=_("population categories"),
        choices=PopulationCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    self_evaluation = forms.CharField(
        label=_("self-evaluation"), required=False, widget=forms.Textarea
    )
    life_events = forms.CharField(
        label=_("life events behind the distress"), required=False, widget=forms.Textarea
    )
    counselling_advice = forms.CharField(
        label=_("counselling advice"), required=False, widget=forms.Textarea
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["population_categories"].widget.attrs["class"] = "form-check-input"


class LevelForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.TypedChoiceField(
        label=_("intervention level"),
        choices=[("", _("Choose a level…")), *InterventionLevel.choices],
        coerce=int,
        error_messages={"required": _("Choose a level from 1 to 4.")},
    )
    reason = forms.CharField(label=_("why"), max_length=300, required=False)


class StatusForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("case status"),
        choices=[c for c in CaseStatus.choices if c[0]],
        error_messages={"required": _("Choose the new status.")},
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class AssignForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    worker = forms.ChoiceField(label=_("responsible worker"), required=False, widget=FastSelect)
    team = forms.ChoiceField(label=_("team"), required=False, widget=FastSelect)

    def __init__(self, *args, workers=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = [("", _("nobody"))] + [
            (str(w.public_id), w.work_name) for w in workers
        ]
        self.fields["team"].choices = [("", _("no team"))] + [
            (str(t.public_id), t.name) for t in teams
        ]


class TeamForm(BootstrapMixin, forms.Form):
    """A care team (CM-08): name, purpose, leader, members."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("name"), max_length=60)
    purpose = forms.CharField(
        label=_("purpose (e.g. psychological rescue team for a district)"),
        max_length=200,
        required=False,
    )
    leader = forms.ChoiceField(label=_("leader"), required=False, widget=FastSelect)
    members = forms.MultipleChoiceField(
        label=_("members"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(w.public_id), w.work_name) for w in workers]
        self.fields["leader"].choices = [("", "—"), *choices]
        self.fields["members"].choices = choices


class NoteForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("note"), max_length=4000, widget=forms.Textarea)


class RevealDetailsForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("why you need them (recorded)"), min_length=4, max_length=300)


class ReferralForm(BootstrapMixin, forms.Form):
    institution = forms.ChoiceField(label=_("institution"), widget=FastSelect)
    kind = forms.ChoiceField(label=_("kind"), choices=ReferralKind.choices)
    urgency = forms.ChoiceField(label=_("urgency"), choices=ReferralUrgency.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea)
    consent_basis = forms.ChoiceField(
        label=_("consent"), choices=ConsentBasis.choices, widget=forms.RadioSelect
    )
    exception_reason = forms.CharField(
        label=_("why the confidentiality exception applies"), max_length=300, required=False
    )
    continuity_info = forms.CharField(
        label=_("information that travels (e.g. current psychiatric medication)"),
        required=False,
        widget=forms.Textarea,
    )
    green_channel = forms.BooleanField(label=_("use the green channel"), required=False)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", _("Choose…"))] + [
            (
                str(i.public_id),
                f"{i.name} · {i.get_kind_display()}"
                + (f" · {GREEN_CHANNEL}" if i.green_channel else ""),
            )
            for i in institutions
        ]


class ReferralStatusForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("new status"),
        choices=ReferralStatus.choices,
        error_messages={"required": _("Choose the referral's new status.")},
    )
    reason = forms.CharField(label=_("reason for rejection"), max_length=300, required=False)
    outcome = forms.CharField(label=_("outcome"), required=False)


class CommunityReportForm(BootstrapMixin, forms.Form):
    risk = forms.CharField(label=_("the risk (self-harm, suicide, harm to others)"), max_length=200)
    street_contact = forms.CharField(
        label=_("reported to: street/township contact"), max_length=200
    )
    community_contact = forms.CharField(
        label=_("and the community contact"), max_length=200, required=False
    )
    method = forms.ChoiceField(label=_("how"), choices=ReportMethod.choices)
    family_given_emergency_number = forms.BooleanField(
        label=_("the family was given the emergency number"), required=False
    )


class AcknowledgeForm(BootstrapMixin, forms.Form):
    by_name = forms.CharField(
        label=_("acknowledged by"),
        max_length=200,
        error_messages={"required": _("Name who acknowledged the report.")},
    )


class CloseReportForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("why it can be closed"),
        max_length=300,
        error_messages={"required": _("Say why the report can be closed.")},
    )


class FollowUpPolicyForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    schedule_days = forms.CharField(
        label=_("after a high-risk contact: follow-ups on these days after the contact"),
        max_length=80,
        help_text=_("Whole days separated by commas, e.g. 1, 7, 30, 90, 365."),
    )
    programme_every_days = forms.IntegerField(
        label=_("people in the programme: at least every (days)"), min_value=7, max_value=182
    )
    intensified_every_days = forms.IntegerField(
        label=_("while a high-risk report is open: every (days)"), min_value=1, max_value=14
    )

    def clean_schedule_days(self):
        raw = self.cleaned_data["schedule_days"].replace("，", ",").replace("、", ",")
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("Write whole numbers of days, e.g. 1, 7, 30.")) from exc


class BookFollowUpForm(BootstrapMixin, forms.Form):
    due_at = forms.DateTimeField(
        label=_("due at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    assigned_to = forms.ChoiceField(label=_("assigned to"), widget=FastSelect)
    consent_given = forms.BooleanField(
        label=_("the person agreed to be followed up"), required=False
    )
    note = forms.CharField(label=_("what to ask about"), max_length=300, required=False)

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [(str(w.public_id), w.work_name) for w in workers]


class MergeForm(BootstrapMixin, forms.Form):
    source = forms.CharField(
        label=_("label of the other file (it is merged into this one)"), max_length=20
    )
    reason = forms.CharField(label=_("why they are the same person"), max_length=300)


class NeedStatusForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("status"),
        choices=NeedStatus.choices,
        error_messages={"required": _("Choose the need's status.")},
    )


class NeedForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("Choose…")), *NeedKind.choices])
    description = forms.CharField(label=_("the need"), max_length=300)
    institution = forms.ChoiceField(
        label=_("resource from the directory"), required=False, widget=FastSelect
    )
    resource = forms.CharField(label=_("or a resource in words"), max_length=300, required=False)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—")] + [
            (str(i.public_id), f"{i.name} · {i.get_kind_display()}") for i in institutions
        ]


class PlanForm(BootstrapMixin, forms.Form):
    """Set up or change the intervention plan (CM-03)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    approaches = forms.MultipleChoiceField(
        label=_("approaches"),
        choices=InterventionApproach.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one approach.")},
    )
    goals = forms.CharField(
        label=_("goals"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    planned_sessions = forms.IntegerField(
        label=_("sessions planned"), required=False, min_value=1, max_value=200
    )
    review_on = forms.DateField(
        label=_("review on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SessionForm(BootstrapMixin, forms.Form):
    """A session held under the plan."""

    held_at = forms.DateTimeField(
        label=_("held at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    approach = forms.ChoiceField(
        label=_("approach"), choices=[("", _("Choose…")), *InterventionApproach.choices]
    )
    minutes = forms.IntegerField(label=_("minutes"), min_value=1, max_value=600)
    participants = forms.CharField(
        label=_("who took part (for a family or group session)"), max_length=200, required=False
    )
    summary = forms.CharField(
        label=_("what was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    progress = forms.ChoiceField(
        label=pgettext_lazy("session", "progress"),
        required=False,
        choices=[("", "—"), *SessionProgress.choices],
    )


class EndPlanForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("how it ended"),
        choices=[
            ("", _("Choose…")),
            (PlanStatus.COMPLETED, PlanStatus.COMPLETED.label),
            (PlanStatus.DISCONTINUED, PlanStatus.DISCONTINUED.label),
        ],
    )
    outcome = forms.CharField(label=_("outcome"), max_length=300)
