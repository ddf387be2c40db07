from django.core.management.base import BaseCommand, CommandError

from xinyuan.accounts.actions import do_issue_api_token
from xinyuan.accounts.models import TokenScope, User


class Command(BaseCommand):
    help = "Issue an API bearer token for USERNAME; the token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--days", type=int, default=365, help="0 for no expiry")
        parser.add_argument(
            "--scope",
            choices=TokenScope.values,
            default=TokenScope.ALL,
            help="call_events: the telephone switch's token, which may only post call events",
        )

    def handle(self, *args, username, name, days, scope, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"No active user named {username!r}.") from exc
        token, clear = do_issue_api_token(
            actor=user, user=user, name=name, days=days or None, scope=scope
        )
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        self.stdout.write(
            f"Token {token.prefix}… ({token.scope}) for {username}, expires {expiry}:"
        )
        self.stdout.write(clear)
