"""``manage.py create_centre``: a real deployment's centre and first administrator."""

import io
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Region, SignInLink, User
from xinyuan.accounts.tokens import hash_token
from xinyuan.audit.models import AuditEvent
from xinyuan.core import permissions
from xinyuan.core.permissions import Role

NEW_PASSWORD = "a-long-new-password-7"  # noqa: S105 - test value


def create(*extra: str) -> list[str]:
    out = io.StringIO()
    call_command(
        "create_centre",
        "--region-name",
        "临江市卫生健康委员会",
        "--region-code",
        "330100",
        "--centre",
        "临江市心理援助热线",
        "--hotline-number",
        "12356",
        "--admin-username",
        "linjiang_admin",
        "--admin-email",
        "admin@linjiang.example.cn",
        *extra,
        stdout=out,
    )
    return out.getvalue().strip().splitlines()


@override_settings(BASE_URL="https://xinyuan.linjiang.example.cn")
class CreateCentreCommandTests(TestCase):
    def link_path(self, lines: list[str]) -> str:
        url = lines[-1]
        self.assertTrue(url.startswith("https://xinyuan.linjiang.example.cn/accounts/login/"))
        return urlsplit(url).path

    def test_it_creates_the_region_the_centre_and_its_administrator_audited_by_the_system(self):
        lines = create()
        centre = Organisation.objects.get(name="临江市心理援助热线")
        self.assertEqual(centre.region, Region.objects.get(name="临江市卫生健康委员会"))
        self.assertEqual(centre.region.code, "330100")
        self.assertEqual(centre.hotline_number, "12356")
        admin = User.objects.get(username="linjiang_admin")
        self.assertEqual((admin.role, admin.organisation), (Role.ADMIN, centre))
        self.assertEqual(admin.email, "admin@linjiang.example.cn")
        self.assertFalse(admin.has_usable_password(), "the password comes through the link")
        self.assertTrue(permissions.has_perm(admin, permissions.MANAGE_CENTRE))
        events = AuditEvent.objects.order_by("pk")
        self.assertEqual(
            [(e.action, e.target_type) for e in events],
            [
                ("create", "accounts.region"),
                ("create", "accounts.organisation"),
                ("create", "accounts.user"),
                ("issue_sign_in_link", "accounts.user"),
            ],
        )
        self.assertTrue(all(e.actor_id is None for e in events), "the system is the actor")
        link = SignInLink.objects.get()
        key = self.link_path(lines).rstrip("/").rsplit("/", 1)[1]
        self.assertEqual(link.user, admin)
        self.assertEqual(link.key_hash, hash_token(key), "only the key's hash is stored")
        self.assertNotIn(key, "".join(e.changes_json for e in events), "nor is it audited")

    def test_the_link_sets_the_password_once(self):
        path = self.link_path(create())
        page = self.client.get(path)
        self.assertContains(page, "linjiang_admin")
        response = self.client.post(
            path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        )
        self.assertRedirects(response, "/accounts/login/", fetch_redirect_response=False)
        self.assertTrue(self.client.login(username="linjiang_admin", password=NEW_PASSWORD))
        self.client.logout()
        self.assertEqual(self.client.get(path).status_code, 404, "used once")
        again = self.client.post(path, {"password": "another-pass-9x", "password_again": "x"})
        self.assertContains(again, "链接已失效", status_code=404)
        self.assertTrue(User.objects.get(username="linjiang_admin").check_password(NEW_PASSWORD))
        self.assertTrue(AuditEvent.objects.filter(action="set_password").exists())

    def test_an_expired_link_is_refused(self):
        path = self.link_path(create())
        SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        response = self.client.post(
            path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        )
        self.assertContains(response, "链接已失效", status_code=404)
        self.assertFalse(User.objects.get(username="linjiang_admin").has_usable_password())

    def test_the_link_expires_after_the_configured_hours(self):
        with self.settings(SIGN_IN_LINK_HOURS=24):
            create()
        link = SignInLink.objects.get()
        self.assertAlmostEqual(
            (link.expires_at - link.created_at).total_seconds(), 24 * 3600, delta=5
        )

    def test_a_weak_password_is_refused_and_the_link_stays_usable(self):
        path = self.link_path(create())
        response = self.client.post(path, {"password": "12345678", "password_again": "12345678"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "密码", status_code=422)
        mismatch = self.client.post(path, {"password": NEW_PASSWORD, "password_again": "other"})
        self.assertContains(mismatch, "两次输入的密码不一致", status_code=422)
        self.assertEqual(self.client.get(path).status_code, 200)

    def test_an_existing_centre_is_refused_and_nothing_is_created(self):
        create()
        before = (User.objects.count(), AuditEvent.objects.count())
        with self.assertRaisesMessage(CommandError, "已存在"):
            call_command(
                "create_centre",
                "--region-name",
                "临江市卫生健康委员会",
                "--centre",
                "临江市心理援助热线",
                "--admin-username",
                "second_admin",
                stdout=io.StringIO(),
            )
        self.assertEqual((User.objects.count(), AuditEvent.objects.count()), before)

    def test_a_taken_user_name_is_refused(self):
        create()
        with self.assertRaisesMessage(CommandError, "username"):
            call_command(
                "create_centre",
                "--region-name",
                "临江市卫生健康委员会",
                "--centre",
                "第二热线",
                "--admin-username",
                "linjiang_admin",
                stdout=io.StringIO(),
            )
        self.assertFalse(Organisation.objects.filter(name="第二热线").exists())

    def test_print_password_gives_a_working_generated_password_and_no_link(self):
        lines = create("--print-password")
        password = lines[-1]
        self.assertGreaterEqual(len(password), 16)
        self.assertTrue(self.client.login(username="linjiang_admin", password=password))
        self.assertFalse(SignInLink.objects.exists())

    def test_a_second_centre_reuses_the_region(self):
        create()
        call_command(
            "create_centre",
            "--region-name",
            "临江市卫生健康委员会",
            "--centre",
            "临江市第二热线",
            "--admin-username",
            "second_admin",
            stdout=io.StringIO(),
        )
        self.assertEqual(Region.objects.count(), 1)
        self.assertEqual(Region.objects.get().organisations.count(), 2)


class DemoStaffProfileTests(TestCase):
    def test_demo_staff_have_qualifications_employment_and_institutions(self):
        call_command("load_demo", stdout=io.StringIO())
        call_command("load_demo", stdout=io.StringIO())  # idempotent
        counsellor = User.objects.get(username="counsellor1")
        self.assertEqual(
            (counsellor.qualification, counsellor.employment, counsellor.home_institution),
            ("counsellor", "part_time", "示范市第一人民医院"),
        )
        staff = User.objects.exclude(role__in=["region_officer", "auditor", "admin"])
        self.assertFalse(staff.filter(qualification="").exists())
        self.assertEqual(
            set(staff.values_list("employment", flat=True)), {"full_time", "part_time"}
        )
