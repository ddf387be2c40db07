from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyuan.accounts import actions, selectors
from xinyuan.accounts.forms import IssueTokenForm, LoginForm, TwoFactorForm
from xinyuan.accounts.models import User
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm

PENDING_USER = "two_factor_pending_user"
PENDING_NEXT = "two_factor_pending_next"


class LoginView(auth_views.LoginView):
    """Password first; a user with two-factor sign-in then enters a code (not yet signed in)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if user.has_two_factor:
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_NEXT] = self.get_success_url()
            return redirect("accounts:login-2fa")
        response = super().form_valid(form)
        actions.do_record_login(user=user, two_factor=False)
        return response


@require_http_methods(["GET", "POST"])
def login_two_factor(request):
    user = User.objects.filter(pk=request.session.get(PENDING_USER), is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.is_locked(user):
            form.add_error(None, actions.lockout_message(user))
        elif actions.do_verify_totp(user=user, code=form.cleaned_data["code"]):
            target = request.session.pop(PENDING_NEXT, None) or resolve_url(
                settings.LOGIN_REDIRECT_URL
            )
            request.session.pop(PENDING_USER, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            actions.do_record_login(user=user, two_factor=True)
            return redirect(target)
        else:
            user = actions.do_record_login_failure(user=user, stage="two_factor")
            form.add_error(
                "code",
                actions.lockout_message(user)
                if actions.is_locked(user)
                else _("That code is not valid. Enter the current code from your app."),
            )
    return render(
        request,
        "accounts/login_2fa.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


PENDING_SECRET = "two_factor_pending_secret"  # noqa: S105 - a session key, not a secret


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (made locally), confirm with a code.

    An enrolled user who sets up a new device first proves the current one (POST, CSRF); the
    new secret waits, encrypted, in the session until its first code confirms it."""
    import segno

    from xinyuan.accounts import totp
    from xinyuan.core import crypto

    user = request.user
    required = settings.REQUIRE_2FA and permissions.needs_two_factor(user)
    step = request.POST.get("step", "")
    proven = step == "confirm" and PENDING_SECRET in request.session
    if user.has_two_factor and not proven:
        # Already enrolled: a new device only after the current code.
        form = TwoFactorForm(request.POST or None)
        if step == "new" and form.is_valid():
            if actions.do_verify_totp(user=user, code=form.cleaned_data["code"]):
                request.session[PENDING_SECRET] = crypto.encrypt(totp.new_secret())
                step = "confirm-new"
            else:
                form.add_error("code", _("That code is not valid. Enter the current code."))
        if step != "confirm-new":
            status = 422 if request.method == "POST" else 200
            return render(
                request,
                "accounts/two_factor_setup.html",
                {"enrolled": True, "current_form": form},
                status=status,
            )
    pending = request.session.get(PENDING_SECRET)
    if not pending:
        pending = request.session[PENDING_SECRET] = crypto.encrypt(totp.new_secret())
    secret = crypto.decrypt(pending)
    form = TwoFactorForm(request.POST if step == "confirm" else None)
    if step == "confirm" and form.is_valid():
        if actions.do_confirm_totp_enrolment(
            actor=user, secret=secret, code=form.cleaned_data["code"]
        ):
            request.session.pop(PENDING_SECRET, None)
            messages.success(request, _("Two-factor sign-in is set up."))
            return redirect("hotline:home")
        form.add_error("code", _("That code is not valid. Enter the current code from your app."))
    uri = totp.provisioning_uri(secret, user.username, str(_("Xinyuan")))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "secret": secret,
            "qr_svg": segno.make(uri, error="m").svg_inline(scale=4),
            "enrolled": user.has_two_factor,
            "required": required,
        },
        status=422 if step == "confirm" else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_TOKENS)
def token_list(request):
    users = selectors.users_visible_to(request.user).filter(
        role__in=permissions.roles_with(permissions.HOLD_ADMIN_ISSUED_TOKEN)
    )
    form = IssueTokenForm(request.POST or None, users=users)
    new_token = None
    if request.method == "POST" and form.is_valid():
        user = get_object_or_404(users, public_id=form.cleaned_data["user"])
        _token, new_token = actions.do_issue_api_token(
            actor=request.user,
            user=user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        form = IssueTokenForm(users=users)
    return render(
        request,
        "accounts/token_list.html",
        {
            "form": form,
            "tokens": selectors.tokens_visible_to(request.user)[:200],
            "new_token": new_token,
        },
        status=422 if request.method == "POST" and form.errors else 200,
    )


@require_POST
@require_perm(permissions.MANAGE_TOKENS)
def token_revoke(request, public_id):
    token = get_object_or_404(selectors.tokens_visible_to(request.user), public_id=public_id)
    actions.do_revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")
