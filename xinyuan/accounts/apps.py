from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinyuan.accounts"
    label = "accounts"

    def ready(self) -> None:
        from xinyuan.accounts.actions import do_rotate_totp_keys
        from xinyuan.core.crypto import register_key_rotation

        register_key_rotation("two_factor_secrets", lambda batch: do_rotate_totp_keys())
