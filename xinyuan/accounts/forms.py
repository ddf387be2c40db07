from datetime import timedelta
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xinyuan.accounts import actions, selectors
from xinyuan.accounts.models import Organisation, Qualification, SignInStage, TokenScope, User
from xinyuan.accounts.selectors import Throttle
from xinyuan.core.forms import BootstrapMixin
from xinyuan.core.permissions import Role


def throttle_message(throttle: Throttle) -> str:
    """The one answer to a throttled attempt: it says nothing about the account."""
    # Rounded up to the minute: at the time shown the attempt is allowed.
    until = timezone.localtime(throttle.until + timedelta(seconds=59)).replace(second=0)
    time = formats.date_format(until, "H:i")
    if throttle.account_wide:
        return gettext(
            "Too many wrong codes for this account. Try again after %(time)s. If these were not "
            "your attempts, someone knows your password: ask an administrator to change it."
        ) % {"time": time}
    return gettext("Too many failed attempts from here. Try again after %(time)s.") % {"time": time}


class LoginForm(BootstrapMixin, AuthenticationForm):
    """Password sign-in, throttled per (name as typed, address) and per address
    (docs/decisions/0008-sign-in-throttling.md); the same answer for every wrong combination."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong user name or password (both are case-sensitive)."),
        # Django's ModelBackend never returns an inactive user: "inactive" cannot be told apart.
        "inactive": _("Wrong user name or password (both are case-sensitive)."),
        "demo_password": _(
            "This is the demo password, which is never accepted in production mode. Ask an "
            "administrator to set a password of your own."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()  # a missing field: nothing was tried
        attempt = selectors.sign_in_attempt(
            self.request, stage=SignInStage.PASSWORD, username=username
        )
        throttle = selectors.sign_in_throttle(attempt)
        if throttle is not None:
            # Not even the password is checked: a throttled address learns nothing.
            raise ValidationError(throttle_message(throttle), code="throttled")
        if settings.PRODUCTION and constant_time_compare(password, settings.DEMO_PASSWORD):
            # Refused whoever the user: the answer tells nothing about any account.
            actions.do_record_sign_in_failure(attempt=attempt, username=username)
            raise ValidationError(self.error_messages["demo_password"], code="demo_password")
        try:
            return super().clean()
        except ValidationError:
            throttle = actions.do_record_sign_in_failure(attempt=attempt, username=username)
            if throttle is not None:
                raise ValidationError(throttle_message(throttle), code="throttled") from None
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
    scope = forms.ChoiceField(
        label=_("scope"),
        choices=TokenScope.choices,
        initial=TokenScope.ALL,
        help_text=_(
            "A telephone switch's token may only post call events, which count for the "
            "centre's answer rate; it is refused everywhere else."
        ),
    )

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(str(u.public_id), u.username) for u in users]


# Centre administration ----------------------------------------------------------------------


class CentreProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "hotline_name",
            "hotline_number",
            "line_count",
            "hotline_hours",
            "clinic",
            "emergency_numbers",
        ]
        help_texts = {
            "hotline_hours": _("As callers and self-test results read it, e.g. “24 hours”."),
            "emergency_numbers": _("Shown with every self-test result, e.g. “120 · 110”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_count"].min_value = 1
        self.fields["line_count"].widget.attrs["min"] = 1

    def validate_unique(self):
        """The action decides (one message, under the centre's lock)."""


class StaffForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "email",
            "role",
            "alias",
            "qualification",
            "employment",
            "home_institution",
        ]
        labels = {
            "first_name": _("real name (never shown to callers)"),
            "alias": _("alias / work ID shown to callers (对外工号)"),
        }
        help_texts = {
            "home_institution": _(
                "For part-time staff: the hospital, school or agency they come from."
            ),
        }

    def __init__(self, *args, can_change_role: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        from xinyuan.accounts.actions.centre import CENTRE_ROLES

        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [(value, label) for value, label in Role.choices if value in CENTRE_ROLES]
        qualification = cast(forms.ChoiceField, self.fields["qualification"])
        qualification.choices = [("", "—"), *Qualification.choices]
        if not can_change_role:
            self.fields["role"].disabled = True
            self.fields["role"].help_text = _("You cannot change your own role.")

    def validate_unique(self):
        """The action decides (within the centre, under its lock)."""


class InviteForm(StaffForm):
    username = forms.CharField(
        label=_("user name (to sign in)"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
    )

    class Meta(StaffForm.Meta):
        fields = ["username", *StaffForm.Meta.fields]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)


class SetPasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label=_("new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("the same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
