import time

from django.test import TestCase, override_settings

from xinyuan.accounts import actions, totp
from xinyuan.accounts.models import User
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import PASSWORD, PersonaMixin, client_for


def current_code(user: User) -> str:
    return totp.code_at(actions.totp_secret(user), totp.current_step())


def pending_secret(client) -> str:
    from xinyuan.accounts.views import PENDING_SECRET
    from xinyuan.core import crypto

    return crypto.decrypt(client.session[PENDING_SECRET]["secret"])


class TotpTests(TestCase):
    def test_rfc_6238_vectors(self):
        import base64

        secret = base64.b32encode(b"12345678901234567890").decode()
        for at, code in ((59, "287082"), (1111111109, "081804"), (2000000000, "279037")):
            self.assertEqual(totp.code_at(secret, at // 30), code)

    def test_a_code_is_accepted_once_and_within_one_step(self):
        secret = totp.new_secret()
        now = time.time()
        step = totp.current_step(now)
        code = totp.code_at(secret, step)
        self.assertEqual(totp.matching_step(secret, code, now=now), step)
        self.assertIsNone(totp.matching_step(secret, code, now=now, after=step), "no replay")
        self.assertIsNone(totp.matching_step(secret, code, now=now + 95))
        self.assertIsNone(totp.matching_step(secret, "12a456", now=now))


class TwoFactorSignInTests(PersonaMixin, TestCase):
    def enrol(self, user, client=None):
        client = client or client_for(user)
        client.get("/accounts/2fa/")
        secret = pending_secret(client)
        response = client.post(
            "/accounts/2fa/", {"step": "confirm", "code": totp.code_at(secret, totp.current_step())}
        )
        self.assertEqual(response.status_code, 302)
        user.refresh_from_db()
        self.assertTrue(user.has_two_factor)
        return user

    def test_the_set_up_page_cannot_strip_an_enrolled_users_second_factor(self):
        user = self.enrol(self.p.supervisor)
        before = user.totp_secret_encrypted
        client = client_for(user)
        self.assertEqual(client.get("/accounts/2fa/?new=1").status_code, 200)
        wrong = client.post("/accounts/2fa/", {"step": "new", "code": "000000"})
        self.assertEqual(wrong.status_code, 422)
        confirm_without_proof = client.post("/accounts/2fa/", {"step": "confirm", "code": "1"})
        self.assertEqual(confirm_without_proof.status_code, 422)
        user.refresh_from_db()
        self.assertEqual(user.totp_secret_encrypted, before)
        self.assertTrue(user.has_two_factor, "still enrolled with the old device")
        # With the current code, a new device is set up and only then replaces the old one.
        User.objects.filter(pk=user.pk).update(totp_last_step=-1)
        user.refresh_from_db()
        client.post("/accounts/2fa/", {"step": "new", "code": current_code(user)})
        new_secret = pending_secret(client)
        user.refresh_from_db()
        self.assertEqual(user.totp_secret_encrypted, before, "not replaced before confirmation")
        client.post(
            "/accounts/2fa/",
            {"step": "confirm", "code": totp.code_at(new_secret, totp.current_step())},
        )
        user.refresh_from_db()
        self.assertEqual(actions.totp_secret(user), new_secret)

    def test_an_enrolled_user_needs_the_code_after_the_password(self):
        user = self.enrol(self.p.supervisor)
        User.objects.filter(pk=user.pk).update(totp_last_step=-1)
        response = self.client.post(
            "/accounts/login/", {"username": "supervisor", "password": PASSWORD}
        )
        self.assertRedirects(response, "/accounts/login/2fa/")
        self.assertEqual(self.client.get("/workstation/").status_code, 302, "not signed in yet")
        wrong = self.client.post("/accounts/login/2fa/", {"code": "000000"})
        self.assertEqual(wrong.status_code, 422)
        user.refresh_from_db()
        right = self.client.post("/accounts/login/2fa/", {"code": current_code(user)})
        self.assertRedirects(right, "/", target_status_code=302)
        self.assertEqual(self.client.get("/workstation/").status_code, 200, "signed in")
        self.assertTrue(AuditEvent.objects.filter(action="login", actor=user).exists())

    @override_settings(REQUIRE_2FA=True)
    def test_privileged_roles_must_enrol_before_anything_else(self):
        client = client_for(self.p.director)
        self.assertRedirects(client.get("/contacts/"), "/accounts/2fa/")
        api = client.get("/api/v1/contacts")
        self.assertEqual(
            api.status_code, 403, "the session reaches no API without the second factor"
        )
        poll = client.get("/alerts/panel/", headers={"HX-Request": "true"})
        self.assertEqual(poll.status_code, 204, "the alerts poll does not swap in the set-up page")
        self.assertEqual(poll.content, b"")
        self.assertEqual(client_for(self.p.counsellor).get("/contacts/").status_code, 200)
        self.enrol(self.p.director)
        self.assertEqual(client.get("/contacts/").status_code, 200)

    def age_pending(self, client, key, minutes):
        """Make a half-finished two-factor step look ``minutes`` old."""
        session = client.session
        if isinstance(session[key], dict):
            session[key]["created_at"] = time.time() - minutes * 60
        else:
            session[key] = time.time() - minutes * 60
        session.save()

    def test_a_pending_new_device_expires_after_ten_minutes(self):
        from xinyuan.accounts.views import PENDING_SECRET

        user = self.enrol(self.p.supervisor)
        before = user.totp_secret_encrypted
        User.objects.filter(pk=user.pk).update(totp_last_step=-1)
        user.refresh_from_db()
        client = client_for(user)
        client.post("/accounts/2fa/", {"step": "new", "code": current_code(user)})
        new_secret = pending_secret(client)
        self.age_pending(client, PENDING_SECRET, 11)
        late = client.post(
            "/accounts/2fa/",
            {"step": "confirm", "code": totp.code_at(new_secret, totp.current_step())},
        )
        self.assertEqual(late.status_code, 422)
        self.assertContains(late, "10 分钟内", status_code=422)
        self.assertContains(late, 'data-testid="two-factor-new-device"', status_code=422)
        user.refresh_from_db()
        self.assertEqual(user.totp_secret_encrypted, before, "the old device stays")
        self.assertNotIn(PENDING_SECRET, client.session, "start again from the current code")

    def test_a_pending_new_device_within_ten_minutes_is_confirmed(self):
        from xinyuan.accounts.views import PENDING_SECRET

        user = self.enrol(self.p.supervisor)
        User.objects.filter(pk=user.pk).update(totp_last_step=-1)
        user.refresh_from_db()
        client = client_for(user)
        client.post("/accounts/2fa/", {"step": "new", "code": current_code(user)})
        new_secret = pending_secret(client)
        self.age_pending(client, PENDING_SECRET, 9)
        client.post(
            "/accounts/2fa/",
            {"step": "confirm", "code": totp.code_at(new_secret, totp.current_step())},
        )
        user.refresh_from_db()
        self.assertEqual(actions.totp_secret(user), new_secret)

    def test_a_first_device_not_confirmed_in_time_gets_a_new_secret(self):
        from xinyuan.accounts.views import PENDING_SECRET

        client = client_for(self.p.counsellor)
        client.get("/accounts/2fa/")
        old = pending_secret(client)
        self.age_pending(client, PENDING_SECRET, 11)
        late = client.post(
            "/accounts/2fa/", {"step": "confirm", "code": totp.code_at(old, totp.current_step())}
        )
        self.assertContains(late, "10 分钟内", status_code=422)
        self.assertNotEqual(pending_secret(client), old)
        self.p.counsellor.refresh_from_db()
        self.assertFalse(self.p.counsellor.has_two_factor)

    def test_a_half_finished_sign_in_expires_after_ten_minutes(self):
        from xinyuan.accounts.views import PENDING_USER_AT

        user = self.enrol(self.p.supervisor)
        User.objects.filter(pk=user.pk).update(totp_last_step=-1)
        user.refresh_from_db()
        self.client.post("/accounts/login/", {"username": "supervisor", "password": PASSWORD})
        self.age_pending(self.client, PENDING_USER_AT, 11)
        response = self.client.post(
            "/accounts/login/2fa/", {"code": current_code(user)}, follow=True
        )
        self.assertRedirects(response, "/accounts/login/")
        self.assertContains(response, "请重新登录")
        self.assertEqual(self.client.get("/workstation/").status_code, 302, "not signed in")

    def test_the_setup_page_shows_a_locally_made_qr_code(self):
        response = client_for(self.p.counsellor).get("/accounts/2fa/")
        self.assertContains(response, "<svg")
        self.assertContains(response, 'data-testid="totp-secret"')


@override_settings(IDLE_TIMEOUT_MINUTES=1)
class IdleTimeoutTests(PersonaMixin, TestCase):
    def test_an_idle_session_is_signed_out(self):
        client = client_for(self.p.counsellor)
        self.assertEqual(client.get("/workstation/").status_code, 200)
        session = client.session
        session["last_activity"] = time.time() - 120
        session.save()
        response = client.get("/workstation/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(client.get("/workstation/").status_code, 302)


class SecurityHeaderTests(PersonaMixin, TestCase):
    def test_pages_carry_a_policy_without_inline_script(self):
        response = client_for(self.p.counsellor).get("/workstation/")
        policy = response["Content-Security-Policy"]
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy.split("script-src")[1].split(";")[0])
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertNotIn("<script>", response.content.decode())
