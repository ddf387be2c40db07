"""Sign-in throttling (issue 9): an attacker is slowed down per address, never handed a lockout
of somebody else's account; unknown and known user names are treated alike."""

import re
from datetime import timedelta

from django.db import connection
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from xinyuan.accounts import rules, selectors, totp
from xinyuan.accounts.models import Role, SignInFailure, User
from xinyuan.accounts.tests.test_sign_in import current_code
from xinyuan.audit.models import AuditEvent
from xinyuan.audit.selectors import search_events
from xinyuan.audit.triggers import lifted
from xinyuan.core.network import client_address
from xinyuan.core.testing import PASSWORD, PersonaMixin, client_for

ATTACKER = "203.0.113.66"
SUPERVISOR_DESK = "198.51.100.7"

THROTTLE = {
    "SIGNIN_WINDOW_MINUTES": 15,
    "SIGNIN_LIMIT_PER_NAME": 3,
    "SIGNIN_LIMIT_PER_ADDRESS": 10,
    "SIGNIN_ALERT_PER_ACCOUNT": 4,
    "SIGNIN_CODE_LIMIT_PER_ACCOUNT": 5,
}


def sign_in(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def error_text(response) -> str:
    """The form's error messages as the user reads them (not the echoed input, not the token)."""
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@override_settings(**THROTTLE)
class PasswordThrottleTests(PersonaMixin, TestCase):
    def test_an_attacker_cannot_lock_the_supervisor_on_duty_out(self):
        attacker = self.client_class()
        for _ in range(3):
            response = sign_in(attacker, "supervisor", "guess", ATTACKER)
        self.assertContains(response, "尝试次数过多", status_code=429)
        refused = sign_in(attacker, "supervisor", PASSWORD, ATTACKER)
        self.assertEqual(refused.status_code, 429, "the attacker's address waits, even if right")
        self.assertIn("尝试次数过多", error_text(refused))
        # The supervisor at her own desk signs in at once.
        desk = self.client_class()
        response = sign_in(desk, "supervisor", PASSWORD, SUPERVISOR_DESK)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(desk.get("/workstation/").status_code, 200)

    def test_a_throttled_attempt_does_not_even_check_the_password(self):
        for _ in range(3):
            sign_in(self.client, "supervisor", "guess", ATTACKER)
        queries = self.queries_of(lambda: sign_in(self.client, "supervisor", PASSWORD, ATTACKER))
        self.assertFalse([q for q in queries if "accounts_user" in q], queries)
        self.assertEqual(SignInFailure.objects.count(), 3, "a refused attempt is not stored")

    def test_an_unknown_name_is_throttled_exactly_like_a_known_one(self):
        for name in ("supervisor", "nobody-here"):
            client = self.client_class()
            answers = [error_text(sign_in(client, name, "guess", ATTACKER)) for _ in range(4)]
            self.assertEqual(answers[0], answers[1])
            self.assertIn("尝试次数过多", answers[2])
            self.assertIn("尝试次数过多", answers[3])
            SignInFailure.objects.all().delete()

    def test_one_address_trying_many_names_is_throttled(self):
        for n in range(10):
            response = sign_in(self.client, f"name{n}", "guess", ATTACKER)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(sign_in(self.client, "counsellor", PASSWORD, ATTACKER).status_code, 429)
        other = sign_in(self.client_class(), "counsellor", PASSWORD, SUPERVISOR_DESK)
        self.assertEqual(other.status_code, 302)

    def test_the_throttle_ends_when_its_failures_leave_the_window(self):
        for _ in range(3):
            sign_in(self.client, "counsellor", "guess", ATTACKER)
        SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
        self.assertEqual(sign_in(self.client, "counsellor", PASSWORD, ATTACKER).status_code, 302)

    def test_a_successful_sign_in_forgets_that_addresss_mistakes_for_the_name(self):
        for _ in range(2):
            sign_in(self.client, "counsellor", "typo", SUPERVISOR_DESK)
        sign_in(self.client, "supervisor", "guess", SUPERVISOR_DESK)
        self.assertEqual(
            sign_in(self.client, "counsellor", PASSWORD, SUPERVISOR_DESK).status_code, 302
        )
        self.assertEqual(SignInFailure.objects.count(), 1, "only the other name's failure is left")

    def test_case_and_width_variants_of_a_name_share_one_budget(self):
        for name in ("Supervisor", "SUPERVISOR", "ｓｕｐｅｒｖｉｓｏｒ"):
            response = sign_in(self.client, name, "guess", ATTACKER)
        self.assertEqual(response.status_code, 429)

    def test_many_failures_from_many_addresses_raise_an_alert_and_lock_nobody(self):
        for n in range(4):
            sign_in(self.client_class(), "supervisor", "guess", f"203.0.113.{n + 1}")
        events = AuditEvent.objects.filter(action="login_failed").order_by("id")
        self.assertEqual(events.count(), 4)
        self.assertNotIn("account_failures", events[2].raw_changes)
        self.assertEqual(events[3].raw_changes["account_failures"], 4)
        self.assertEqual(events[3].actor, self.p.supervisor)
        response = sign_in(self.client_class(), "supervisor", PASSWORD, SUPERVISOR_DESK)
        self.assertEqual(response.status_code, 302, "an alert, not a lock")

    def test_an_auditor_sees_the_failures_and_that_throttling_happened(self):
        for _ in range(3):
            sign_in(self.client, "counsellor", "guess", ATTACKER)
        events = list(search_events(self.p.auditor, {"action": "login_failed"}))
        self.assertEqual(len(events), 3)
        self.assertEqual({e.ip for e in events}, {ATTACKER})
        newest = events[0].raw_changes
        self.assertEqual(newest["stage"], "password")
        self.assertEqual(newest["throttle"], "address")
        self.assertIn("throttled_until", newest)
        page = client_for(self.p.auditor).get("/audit/", {"action": "login_failed"})
        self.assertContains(page, ATTACKER)

    def test_x_forwarded_for_is_believed_only_from_a_named_proxy(self):
        for n in range(3):
            response = self.client.post(
                "/accounts/login/",
                {"username": "counsellor", "password": "guess"},
                REMOTE_ADDR=ATTACKER,
                HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
            )
        self.assertEqual(response.status_code, 429, "a client cannot choose its own address")
        with self.settings(TRUSTED_PROXIES=["127.0.0.1"]):
            proxied = self.client.post(
                "/accounts/login/",
                {"username": "counsellor", "password": PASSWORD},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {SUPERVISOR_DESK}",
            )
        self.assertEqual(proxied.status_code, 302, "the proxy's view of the client is used")
        event = AuditEvent.objects.filter(action="login").get()
        self.assertEqual(event.ip, SUPERVISOR_DESK, "and the audit trail records the same")

    @override_settings(PRODUCTION=True, DEMO_PASSWORD="xinyuan-demo-2026")
    def test_the_demo_password_is_never_accepted_in_production_mode(self):
        User.objects.filter(pk=self.p.counsellor.pk).update(username="counsellor1")
        self.p.counsellor.set_password("xinyuan-demo-2026")
        self.p.counsellor.save(update_fields=["password"])
        response = sign_in(self.client, "counsellor1", "xinyuan-demo-2026", SUPERVISOR_DESK)
        self.assertEqual(response.status_code, 200)
        self.assertIn("演示密码", error_text(response))
        self.assertEqual(self.client.get("/workstation/").status_code, 302, "not signed in")

    def queries_of(self, action) -> list[str]:
        statements: list[str] = []

        def capture(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            action()
        return statements


@override_settings(**THROTTLE)
class SameAnswerTests(PersonaMixin, TestCase):
    """An unknown name, a wrong password and a deactivated account look the same from outside."""

    def setUp(self):
        self.inactive = User.objects.create_user(
            username="left-the-centre", password=PASSWORD, organisation=self.p.org, is_active=False
        )

    def attempt(self, username, password):
        statements: list[str] = []

        def capture(execute, sql, params, many, context):
            statements.append(re.sub(r'"s\d+_x\d+"', '"savepoint"', sql))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            response = sign_in(self.client_class(), username, password, ATTACKER)
        return response, statements

    def test_the_same_text_and_status_for_unknown_wrong_and_inactive(self):
        answers = [
            self.attempt("nobody-here", "guess-123456"),
            self.attempt("counsellor", "guess-123456"),
            self.attempt("left-the-centre", PASSWORD),
            self.attempt("left-the-centre", "guess-123456"),
        ]
        self.assertEqual({r.status_code for r, _ in answers}, {200})
        self.assertEqual(
            len({error_text(r) for r, _ in answers}), 1, [error_text(r) for r, _ in answers]
        )

    def test_unknown_and_known_names_run_the_same_statements(self):
        """Timing by construction: the same SQL in the same order (Django's ModelBackend runs the
        password hasher for an unknown name too), whatever the name."""
        _r, unknown = self.attempt("nobody-here", "guess-123456")
        _r, known = self.attempt("counsellor", "guess-123456")
        _r, inactive = self.attempt("left-the-centre", PASSWORD)
        self.assertEqual(unknown, known)
        self.assertEqual(unknown, inactive)
        self.assertTrue(any("accounts_signinfailure" in q for q in known), known)


@override_settings(**THROTTLE)
class CodeThrottleTests(PersonaMixin, TestCase):
    def setUp(self):
        from xinyuan.accounts.actions import do_confirm_totp_enrolment

        self.user = self.p.supervisor
        secret = totp.new_secret()
        do_confirm_totp_enrolment(
            actor=self.user, secret=secret, code=totp.code_at(secret, totp.current_step())
        )
        User.objects.filter(pk=self.user.pk).update(totp_last_step=-1)
        self.user.refresh_from_db()

    def password_then(self, client, address, code):
        sign_in(client, "supervisor", PASSWORD, address)
        return client.post("/accounts/login/2fa/", {"code": code}, REMOTE_ADDR=address)

    def test_wrong_codes_are_throttled_per_address(self):
        client = self.client_class()
        for _ in range(3):
            response = self.password_then(client, ATTACKER, "000000")
        self.assertEqual(response.status_code, 429)
        right = client.post(
            "/accounts/login/2fa/", {"code": current_code(self.user)}, REMOTE_ADDR=ATTACKER
        )
        self.assertEqual(right.status_code, 429, "even the right code waits")
        self.assertEqual(client.get("/workstation/").status_code, 302)
        desk = self.client_class()
        self.user.refresh_from_db()
        response = self.password_then(desk, SUPERVISOR_DESK, current_code(self.user))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(desk.get("/workstation/").status_code, 200)

    def test_wrong_codes_from_many_addresses_pause_code_entry_for_the_account(self):
        """Guessing a code needs the password already: past the account's limit the code step
        waits everywhere (and the auditor sees it), or a botnet would guess the code."""
        for n in range(5):
            self.password_then(self.client_class(), f"203.0.113.{n + 1}", "000000")
        response = self.password_then(self.client_class(), SUPERVISOR_DESK, current_code(self.user))
        self.assertEqual(response.status_code, 429)
        self.assertIn("该账号", error_text(response))
        last = AuditEvent.objects.filter(action="login_failed").order_by("-id").first()
        self.assertEqual(last.raw_changes["throttle"], "account")
        self.assertEqual(last.raw_changes["stage"], "code")

    def test_proving_the_current_device_on_the_set_up_page_is_throttled_too(self):
        client = client_for(self.user)
        for _ in range(3):
            response = client.post(
                "/accounts/2fa/", {"step": "new", "code": "000000"}, REMOTE_ADDR=ATTACKER
            )
        self.assertEqual(response.status_code, 429)
        self.assertIn("尝试次数过多", response.content.decode())


@override_settings(**THROTTLE)
class ThrottleCommitsTests(TransactionTestCase):
    """Each failure is committed on its own (gunicorn runs no request-wide transaction), so the
    throttle holds across requests and workers."""

    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def test_failures_are_committed_and_counted_across_requests(self):
        User.objects.create_user(username="counsellor", password=PASSWORD, role=Role.COUNSELLOR)
        for _ in range(3):
            sign_in(self.client, "counsellor", "guess", ATTACKER)
        self.assertEqual(SignInFailure.objects.count(), 3)
        self.assertEqual(AuditEvent.objects.filter(action="login_failed").count(), 3)
        self.assertEqual(sign_in(self.client, "counsellor", PASSWORD, ATTACKER).status_code, 429)


class RuleTests(SimpleTestCase):
    def test_networks(self):
        for address, network in (
            ("203.0.113.5", "203.0.113.5"),
            ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("::ffff:203.0.113.5", "203.0.113.5"),
            ("", "unknown"),
            ("not an address", "unknown"),
        ):
            self.assertEqual(rules.network_of(address), network, address)

    def test_throttled_until_the_limit_th_newest_failure_leaves_the_window(self):
        now = timezone.now()
        window = timedelta(minutes=15)
        times = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
        self.assertIsNone(rules.throttled_until(times[:2], limit=3, window=window))
        self.assertEqual(rules.throttled_until(times, limit=3, window=window), times[2] + window)
        self.assertIsNone(rules.throttled_until(times, limit=0, window=window), "0 = off")

    def test_names_are_folded(self):
        self.assertEqual(rules.normalised_username(" ＳｕｐｅｒVisor "), "supervisor")

    def test_the_client_address_trusts_forwarding_only_from_named_proxies(self):
        self.assertEqual(client_address("203.0.113.5", "10.0.0.1", []), "203.0.113.5")
        self.assertEqual(client_address("203.0.113.5", "10.0.0.1", ["127.0.0.1"]), "203.0.113.5")
        trusted = ["127.0.0.1", "10.0.0.0/8"]
        self.assertEqual(
            client_address("127.0.0.1", "1.2.3.4, 5.6.7.8, 10.1.1.1", trusted), "5.6.7.8"
        )
        self.assertEqual(client_address("127.0.0.1", "junk", trusted), "127.0.0.1")
        self.assertEqual(client_address("127.0.0.1", "", trusted), "127.0.0.1")


class SelectorTests(TestCase):
    @override_settings(
        SIGNIN_LIMIT_PER_NAME=2, SIGNIN_LIMIT_PER_ADDRESS=0, SIGNIN_WINDOW_MINUTES=15
    )
    def test_an_address_limit_of_zero_leaves_the_name_limit_working(self):
        attempt = selectors.SignInAttempt(stage="password", name_hash="h", network="n")
        now = timezone.now()
        for minutes in (1, 2):
            SignInFailure.objects.create(
                stage="password", name_hash="h", network="n", at=now - timedelta(minutes=minutes)
            )
        throttle = selectors.sign_in_throttle(attempt, now=now)
        self.assertIsNotNone(throttle)
        self.assertEqual(throttle.until, now - timedelta(minutes=2) + timedelta(minutes=15))
