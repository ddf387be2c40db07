import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyuan.accounts import actions, selectors
from xinyuan.accounts.forms import IssueTokenForm, LoginForm, TwoFactorForm, throttle_message
from xinyuan.accounts.models import SignInStage, User
from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm

PENDING_USER = "two_factor_pending_user"
PENDING_NEXT = "two_factor_pending_next"
PENDING_USER_AT = "two_factor_pending_user_at"
PENDING_SECRET = "two_factor_pending_secret"  # noqa: S105 - a session key, not a secret


def _expired(created_at) -> bool:
    """Whether a half-finished two-factor step (stamped with time.time()) is too old."""
    limit = settings.TWO_FACTOR_PENDING_MINUTES * 60
    return not isinstance(created_at, int | float) or not 0 <= time.time() - created_at <= limit


def _throttled(form, throttle, field=None) -> bool:
    if throttle is None:
        return False
    form.add_error(field, ValidationError(throttle_message(throttle), code="throttled"))
    return True


class LoginView(auth_views.LoginView):
    """Password first; a user with two-factor sign-in then enters a code (not yet signed in)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        """``next`` when it is a page of this site — never a part of a page (the alerts poll)
        or a background URL, which would show bare and stop refreshing."""
        from xinyuan.core.views_helpers import is_page_path

        target = super().get_redirect_url()
        return target if target and is_page_path(target) else ""

    def form_valid(self, form):
        user = form.get_user()
        if user.has_two_factor:
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_USER_AT] = time.time()
            self.request.session[PENDING_NEXT] = self.get_success_url()
            return redirect("accounts:login-2fa")
        response = super().form_valid(form)
        actions.do_record_login(
            user=user, two_factor=False, network=selectors.client_network(self.request)
        )
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response


@require_http_methods(["GET", "POST"])
def login_two_factor(request):
    user = User.objects.filter(pk=request.session.get(PENDING_USER), is_active=True).first()
    if user is not None and _expired(request.session.get(PENDING_USER_AT)):
        for key in (PENDING_USER, PENDING_USER_AT, PENDING_NEXT):
            request.session.pop(key, None)
        messages.info(
            request,
            _("More than %(minutes)s minutes passed since your password: please sign in again.")
            % {"minutes": settings.TWO_FACTOR_PENDING_MINUTES},
        )
        return redirect("accounts:login")
    if user is None:
        return redirect("accounts:login")
    form = TwoFactorForm(request.POST or None)
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        attempt = selectors.sign_in_attempt(request, stage=SignInStage.CODE, username=user.username)
        if _throttled(form, selectors.sign_in_throttle(attempt)):
            status = 429
        elif actions.do_verify_totp(user=user, code=form.cleaned_data["code"]):
            target = request.session.pop(PENDING_NEXT, None) or resolve_url(
                settings.LOGIN_REDIRECT_URL
            )
            request.session.pop(PENDING_USER, None)
            request.session.pop(PENDING_USER_AT, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            actions.do_record_login(user=user, two_factor=True, network=attempt.network)
            return redirect(target)
        else:
            throttle = actions.do_record_sign_in_failure(
                attempt=attempt, username=user.username, user=user
            )
            if _throttled(form, throttle, "code"):
                status = 429
            else:
                form.add_error(
                    "code", _("That code is not valid. Enter the current code from your app.")
                )
    return render(request, "accounts/login_2fa.html", {"form": form}, status=status)


def _pending_secret(request) -> tuple[str | None, bool]:
    """The new authenticator secret waiting for its first code, and whether one was dropped
    for being older than TWO_FACTOR_PENDING_MINUTES (the user then starts again)."""
    from xinyuan.core import crypto

    pending = request.session.get(PENDING_SECRET)
    if pending is None:
        return None, False
    if isinstance(pending, dict) and not _expired(pending.get("created_at")):
        try:
            return crypto.decrypt(pending["secret"]), False
        except crypto.KeyUnavailable:
            pass  # encrypted under a key since removed: the user starts again
    request.session.pop(PENDING_SECRET, None)
    return None, True


def _new_pending_secret(request) -> str:
    from xinyuan.accounts import totp
    from xinyuan.core import crypto

    secret = totp.new_secret()
    request.session[PENDING_SECRET] = {
        "secret": crypto.encrypt(secret),
        "created_at": time.time(),
    }
    return secret


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (made locally), confirm with a code.

    An enrolled user who sets up a new device first proves the current one (POST, CSRF); the
    new secret waits, encrypted, in the session until its first code confirms it, for at most
    TWO_FACTOR_PENDING_MINUTES: after that the user proves the current device again."""
    import segno

    from xinyuan.accounts import totp

    user = request.user
    required = settings.REQUIRE_2FA and permissions.needs_two_factor(user)
    step = request.POST.get("step", "")
    secret, expired = _pending_secret(request)
    if expired:
        messages.warning(
            request,
            _(
                "The new authenticator was not confirmed within %(minutes)s minutes. Start "
                "again: the QR code and key shown before are no longer valid."
            )
            % {"minutes": settings.TWO_FACTOR_PENDING_MINUTES},
        )
    proven = step == "confirm" and secret is not None
    if user.has_two_factor and not proven:
        # Already enrolled: a new device only after the current code.
        form = TwoFactorForm(request.POST if step == "new" else None)
        status = 422 if request.method == "POST" else 200
        if step == "new" and form.is_valid():
            attempt = selectors.sign_in_attempt(
                request, stage=SignInStage.CODE, username=user.username
            )
            if _throttled(form, selectors.sign_in_throttle(attempt), "code"):
                status = 429
            elif actions.do_verify_totp(user=user, code=form.cleaned_data["code"]):
                secret = _new_pending_secret(request)
                step = "confirm-new"
            else:
                throttle = actions.do_record_sign_in_failure(
                    attempt=attempt, username=user.username, user=user
                )
                if _throttled(form, throttle, "code"):
                    status = 429
                else:
                    form.add_error("code", _("That code is not valid. Enter the current code."))
        if step != "confirm-new":
            return render(
                request,
                "accounts/two_factor_setup.html",
                {"enrolled": True, "current_form": form},
                status=status,
            )
    if secret is None:
        secret = _new_pending_secret(request)
    form = TwoFactorForm(request.POST if step == "confirm" and not expired else None)
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
            scope=form.cleaned_data["scope"],
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
