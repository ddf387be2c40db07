from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinyuan.accounts"
    label = "accounts"
