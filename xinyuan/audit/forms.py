from django import forms
from django.utils.translation import gettext_lazy as _

from xinyuan.audit.presentation import ACTION_LABELS
from xinyuan.core.forms import BootstrapMixin


class AuditSearchForm(BootstrapMixin, forms.Form):
    person = forms.CharField(label=_("person (label or ID)"), max_length=64, required=False)
    user = forms.CharField(label=_("user name"), max_length=150, required=False)
    record = forms.UUIDField(label=_("record ID"), required=False)
    action = forms.ChoiceField(label=_("action"), required=False)
    date_from = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + [
            (key, label) for key, label in ACTION_LABELS.items()
        ]
