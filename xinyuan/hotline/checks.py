"""System checks of the hotline app."""

from django.conf import settings
from django.core import checks


def demo_accounts_in_production(app_configs=None, databases=None, **kwargs):
    """In production mode, no demo account may still open with the demo password.

    A database check: ``migrate`` runs it, as does ``manage.py check --database default``. The
    sign-in form refuses the demo password in production mode anyway (accounts/forms.py); this
    check tells the operator which accounts to fix."""
    if not settings.PRODUCTION or not databases or "default" not in databases:
        return []
    from django.contrib.auth.hashers import check_password

    from xinyuan.accounts.models import User
    from xinyuan.hotline.management.commands.load_demo import DEMO_USERS

    names = [username for username, *_rest in DEMO_USERS]
    found = [
        user.username
        for user in User.objects.filter(username__in=names, is_active=True).order_by("username")
        if check_password(settings.DEMO_PASSWORD, user.password)  # no setter: nothing written
    ]
    if not found:
        return []
    return [
        checks.Error(
            "Demo accounts still open with the demo password (XINYUAN_DEMO_PASSWORD) in "
            f"production mode: {', '.join(found)}.",
            hint="Give each a real password (python manage.py changepassword NAME) or "
            "deactivate it; demo users are for development only.",
            id="xinyuan.E001",
        )
    ]
