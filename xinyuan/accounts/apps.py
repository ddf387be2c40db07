from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xinyuan.accounts"
    label = "accounts"

    def ready(self) -> None:
        from xinyuan.accounts.actions import do_rotate_totp_keys
        from xinyuan.core.crypto import register_key_rotation

        register_key_rotation("two_factor_secrets", lambda batch: do_rotate_totp_keys())

        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_stamp_sign_in, dispatch_uid="xinyuan-stamp-sign-in")


def _stamp_sign_in(sender, request, user, **kwargs) -> None:
    """The session's sign-in time: the hard maximum of a kept-alive session counts from it."""
    import time

    from xinyuan.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT

    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_ACTIVITY] = now
