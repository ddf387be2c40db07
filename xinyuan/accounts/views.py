from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyuan.accounts import actions, permissions, selectors
from xinyuan.accounts.forms import IssueTokenForm, LoginForm
from xinyuan.core.views_helpers import require_perm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_TOKENS)
def token_list(request):
    users = selectors.users_visible_to(request.user).filter(
        role__in=actions.TOKEN_ROLES_ISSUABLE_BY_ADMIN
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
