from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from xinyuan.core.forms import BootstrapMixin


class LoginForm(BootstrapMixin, AuthenticationForm):
    pass


class IssueTokenForm(BootstrapMixin, forms.Form):
    user = forms.ChoiceField(label=_("user"))
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("e.g. telephone switch"))
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=730, initial=365)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(str(u.public_id), u.username) for u in users]
