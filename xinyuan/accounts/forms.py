from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinyuan.accounts import actions
from xinyuan.accounts.models import User
from xinyuan.core.forms import BootstrapMixin


class LoginForm(BootstrapMixin, AuthenticationForm):
    """Password sign-in with lockout after repeated failures (the message says until when)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password (both are case-sensitive)."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and actions.is_locked(user):
            raise ValidationError(actions.lockout_message(user), code="locked")
        try:
            return super().clean()
        except ValidationError:
            if user is not None:
                user = actions.do_record_login_failure(user=user)
                if actions.is_locked(user):
                    raise ValidationError(actions.lockout_message(user), code="locked") from None
            raise


class TwoFactorForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class IssueTokenForm(BootstrapMixin, forms.Form):
    user = forms.ChoiceField(label=_("user"))
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("e.g. telephone switch"))
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=730, initial=365)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(str(u.public_id), u.username) for u in users]
