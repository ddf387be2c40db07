"""Production mode refuses what would be unsafe to run with (issue 9): each refusal names the
variable and the fix. Settings are imported in a subprocess with the environment set, as a
server starts them."""

import base64
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet
from django.test import SimpleTestCase

from xinyuan.core.tests.test_settings_and_health import run_python

SETUP = "import django; django.setup(); print('started')"


def strong_environment(**overrides) -> dict[str, str]:
    env = {
        "XINYUAN_ENV": "production",
        "SECRET_KEY": "k7Qm2vX9pLr4Tz8Wc1Nd6Hs3Jf5Gb0Ya-_Ue",
        "XINYUAN_IDENTITY_HMAC_KEY": "Hq3Zr8Lm1Vx6Pk9Tc2Wd7Nf4Js5Gb0Ya_-Eu",
        "XINYUAN_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "XINYUAN_AUDIT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    env.update(overrides)
    return env


class EnvironmentNameTests(SimpleTestCase):
    def test_an_unknown_environment_name_refuses_to_start(self):
        for value in ("prod", "Production-EU", ""):
            result = run_python(SETUP, **strong_environment(XINYUAN_ENV=value))
            self.assertNotEqual(result.returncode, 0, value)
            self.assertIn("XINYUAN_ENV", result.stderr)
            self.assertIn("'production'", result.stderr, "the message says what to set")

    def test_the_known_names_start(self):
        self.assertIn("started", run_python(SETUP, XINYUAN_ENV="development").stdout)
        result = run_python(SETUP, **strong_environment(XINYUAN_ENV=" Production "))
        self.assertIn("started", result.stdout, result.stderr)


class WeakKeyTests(SimpleTestCase):
    def refusal(self, **overrides) -> str:
        result = run_python(SETUP, **strong_environment(**overrides))
        self.assertNotEqual(result.returncode, 0, f"started with {overrides}")
        self.assertNotIn("started", result.stdout)
        return result.stderr

    def test_strong_keys_start(self):
        result = run_python(SETUP, **strong_environment())
        self.assertIn("started", result.stdout, result.stderr)

    def test_weak_secret_keys_are_refused_naming_the_variable_and_the_fix(self):
        for weak in (
            "x" * 50,
            "ab" * 25,
            "short-but-random-Qz8",
            "insecure-development-key-change-me",
            "please-change-me-0123456789-abcdefghij",
            "0123456789abcdef" * 3,
        ):
            stderr = self.refusal(SECRET_KEY=weak)
            self.assertIn("SECRET_KEY", stderr, weak)
            self.assertIn("secrets.token_urlsafe", stderr, "the refusal says how to make one")

    def test_a_weak_or_reused_hmac_key_is_refused(self):
        stderr = self.refusal(XINYUAN_IDENTITY_HMAC_KEY="k" * 40)
        self.assertIn("XINYUAN_IDENTITY_HMAC_KEY", stderr)
        env = strong_environment()
        stderr = self.refusal(XINYUAN_IDENTITY_HMAC_KEY=env["SECRET_KEY"])
        self.assertIn("XINYUAN_IDENTITY_HMAC_KEY must differ from SECRET_KEY", stderr)

    def test_field_keys_that_are_not_fernet_keys_are_refused(self):
        good = Fernet.generate_key().decode()
        for bad in ("not-a-key", "A" * 43 + "=", f"{good},{'x' * 44}"):
            stderr = self.refusal(XINYUAN_FIELD_ENCRYPTION_KEYS=bad)
            self.assertIn("XINYUAN_FIELD_ENCRYPTION_KEYS", stderr, bad)
            self.assertIn("Fernet.generate_key()", stderr)

    def test_an_audit_signing_key_that_is_missing_or_not_random_is_refused(self):
        for bad in ("", "not-a-key", base64.b64encode(b"B" * 32).decode()):
            stderr = self.refusal(XINYUAN_AUDIT_SIGNING_KEY=bad)
            self.assertIn("XINYUAN_AUDIT_SIGNING_KEY", stderr, bad)
            self.assertIn("os.urandom(32)", stderr, "the refusal says how to make one")

    def test_missing_keys_and_debug_are_refused(self):
        stderr = self.refusal(
            SECRET_KEY="", XINYUAN_IDENTITY_HMAC_KEY="", XINYUAN_FIELD_ENCRYPTION_KEYS="", DEBUG="1"
        )
        for name in ("SECRET_KEY", "XINYUAN_IDENTITY_HMAC_KEY", "XINYUAN_FIELD_ENCRYPTION_KEYS"):
            self.assertIn(f"{name} must be set", stderr)
        self.assertIn("DEBUG must be off", stderr)


class KeyRuleTests(SimpleTestCase):
    """The rule itself, without a subprocess (docs/security.md, "Production mode")."""

    def test_generated_keys_pass_and_weak_ones_fail(self):
        import secrets

        from django.core.management.utils import get_random_secret_key

        from xinyuan.core import keys

        for _ in range(200):
            for strong in (
                secrets.token_urlsafe(48),
                secrets.token_hex(16),
                get_random_secret_key(),
            ):
                self.assertEqual(keys.secret_problems("K", strong), [], strong)
            self.assertEqual(keys.fernet_key_problems("F", [Fernet.generate_key().decode()]), [])
        for weak in ("", "x" * 64, "ab" * 32, "a" * 40 + "bcdefghijk", "abcdefgh" * 5):
            self.assertTrue(keys.secret_problems("K", weak), weak)


class TlsRedirectTests(SimpleTestCase):
    def test_plain_http_is_redirected_except_the_health_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run_python(
                "import django; django.setup()\n"
                "from django.test import Client\n"
                "c = Client()\n"
                "r = c.get('/accounts/login/')\n"
                "print('login', r.status_code, r.get('Location'))\n"
                "r = c.get('/accounts/login/', headers={'X-Forwarded-Proto': 'https'})\n"
                "print('behind-tls', r.status_code)\n"
                "print('health', c.get('/healthz').status_code)\n",
                **strong_environment(
                    DATABASE_URL=f"sqlite:///{Path(tmp) / 'db.sqlite3'}",
                    ALLOWED_HOSTS="testserver",
                ),
            )
        self.assertIn("login 301 https://testserver/accounts/login/", result.stdout, result.stderr)
        self.assertIn("behind-tls 200", result.stdout, result.stderr)
        self.assertNotIn("health 301", result.stdout)


class DemoAccountTests(SimpleTestCase):
    """``load_demo`` refuses in production; an account left with the demo password fails the
    database system check that ``migrate`` runs (and ``check --database default``), and the demo
    password is refused at sign-in (accounts/tests/test_throttle.py)."""

    def test_demo_accounts_with_the_demo_password_fail_the_production_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            database = f"sqlite:///{Path(tmp) / 'db.sqlite3'}"
            prepared = run_python(
                "import django; django.setup()\n"
                "from django.core.management import call_command\n"
                "call_command('migrate', verbosity=0)\n"
                "call_command('load_demo')\n",
                DATABASE_URL=database,
            )
            self.assertEqual(prepared.returncode, 0, prepared.stderr)
            check = (
                "import django; django.setup()\n"
                "from django.core.management import call_command\n"
                "call_command('check', databases=['default'])\n"
                "print('checked')\n"
            )
            refused = run_python(check, **strong_environment(DATABASE_URL=database))
            self.assertNotIn("checked", refused.stdout)
            self.assertIn("supervisor1", refused.stderr)
            self.assertIn("XINYUAN_DEMO_PASSWORD", refused.stderr)
            self.assertIn("changepassword", refused.stderr)
            fixed = run_python(
                "import django; django.setup()\n"
                "from xinyuan.accounts.models import User\n"
                "for user in User.objects.all():\n"
                "    user.set_password('a-real-password-of-the-centre-42')\n"
                "    user.save()\n" + check,
                **strong_environment(DATABASE_URL=database),
            )
            self.assertIn("checked", fixed.stdout, fixed.stderr)

    def test_load_demo_is_refused_in_production_mode(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run_python(
                "import django; django.setup()\n"
                "from django.core.management import call_command\n"
                "call_command('load_demo')",
                **strong_environment(DATABASE_URL=f"sqlite:///{Path(tmp) / 'db.sqlite3'}"),
            )
        self.assertIn("never created in production mode", result.stderr)
        self.assertIn("XINYUAN_ENV", result.stderr)
