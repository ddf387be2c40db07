from django.contrib.auth import views as auth_views
from django.urls import path

from xinyuan.accounts import views
from xinyuan.accounts.views import centre

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/2fa/", views.login_two_factor, name="login-2fa"),
    # Public like the sign-in page (under /accounts/login/): the key in the URL is the credential.
    path("login/welcome/<str:key>/", centre.set_password, name="set-password"),
    path("2fa/", views.two_factor_setup, name="2fa-setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token-revoke"),
    # Centre administration (administrators and directors of the centre).
    path("centre/", centre.centre_profile, name="centre"),
    path("centre/staff/", centre.staff_list, name="staff-list"),
    path("centre/staff/invite/", centre.staff_invite, name="staff-invite"),
    path("centre/staff/<uuid:public_id>/", centre.staff_edit, name="staff-edit"),
    path(
        "centre/staff/<uuid:public_id>/deactivate/",
        centre.staff_deactivate,
        name="staff-deactivate",
    ),
    path(
        "centre/staff/<uuid:public_id>/reactivate/",
        centre.staff_reactivate,
        name="staff-reactivate",
    ),
    path(
        "centre/staff/<uuid:public_id>/sign-in-link/",
        centre.staff_sign_in_link,
        name="staff-sign-in-link",
    ),
    path(
        "centre/staff/<uuid:public_id>/2fa-reset/",
        centre.staff_two_factor_reset,
        name="staff-2fa-reset",
    ),
    path(
        "centre/2fa-resets/<uuid:public_id>/confirm/",
        centre.two_factor_reset_confirm,
        name="2fa-reset-confirm",
    ),
]
