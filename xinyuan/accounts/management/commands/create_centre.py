"""Set up a real deployment's first centre (or another one) without the demo loader."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinyuan.accounts.actions.centre import do_create_centre


class Command(BaseCommand):
    help = (
        "Create a region (reused if one of that name exists), a centre and its first "
        "administrator, who sets a password through a one-time link (XINYUAN_BASE_URL, valid "
        "XINYUAN_SIGN_IN_LINK_HOURS) or, with --print-password, gets a generated one. Refuses "
        "a centre name that exists. Audited, with the system as actor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region-name", required=True, help="e.g. 某某市卫生健康委员会")
        parser.add_argument("--region-code", default="", help="administrative division code")
        parser.add_argument("--centre", required=True, help="the centre's name")
        parser.add_argument("--hotline-name", default="", help="name used in the greeting")
        parser.add_argument("--hotline-number", default="", help="e.g. 12356")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", default="")
        parser.add_argument(
            "--print-password",
            action="store_true",
            help="print a generated password instead of a one-time link",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="where people reach the site (default: XINYUAN_BASE_URL)",
        )

    def handle(self, *args, **o):
        password = secrets.token_urlsafe(15) if o["print_password"] else None
        try:
            centre, admin, url = do_create_centre(
                actor=None,
                region_name=o["region_name"],
                region_code=o["region_code"],
                centre_name=o["centre"],
                hotline_name=o["hotline_name"],
                hotline_number=o["hotline_number"],
                admin_username=o["admin_username"],
                admin_email=o["admin_email"],
                admin_password=password,
                base_url=o["base_url"] or settings.BASE_URL,
            )
        except ValidationError as exc:
            problems = [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
            raise CommandError("Nothing was created:\n- " + "\n- ".join(problems)) from exc
        self.stdout.write(
            f"Created centre {centre.name!r} (region {centre.region.name!r}) and its "
            f"administrator {admin.username!r}."
        )
        if password is not None:
            self.stdout.write("Password (shown once; change it after signing in):")
            self.stdout.write(password)
        else:
            self.stdout.write(
                f"One-time link to choose the password (valid {settings.SIGN_IN_LINK_HOURS} "
                "hours, works once):"
            )
            self.stdout.write(url)
