from django.contrib.auth import views as auth_views
from django.urls import path

from xinyuan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/2fa/", views.login_two_factor, name="login-2fa"),
    path("2fa/", views.two_factor_setup, name="2fa-setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token-revoke"),
]
