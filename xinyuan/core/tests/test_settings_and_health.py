import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase, TestCase

ROOT = Path(__file__).resolve().parents[3]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XINYUAN_ENV")}
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    full_env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


HEALTH_SCRIPT = """
import django
django.setup()
from django.test import Client
r = Client().get("/healthz")
print(r.status_code, r.json()["database"])
"""


class HealthTests(SimpleTestCase):
    def test_health_answers_503_with_the_reason_when_the_database_is_unreachable(self):
        # A real PostgreSQL client against a port where nothing listens.
        result = run_python(HEALTH_SCRIPT, DATABASE_URL="postgres://postgres@127.0.0.1:1/none")
        self.assertIn("503 unreachable", result.stdout, result.stderr)


class HealthOkTests(TestCase):
    def test_health_answers_ok(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok"})


class ProductionModeTests(SimpleTestCase):
    def test_production_mode_refuses_the_default_secret_and_debug(self):
        result = run_python("import django; django.setup()", XINYUAN_ENV="production", DEBUG="1")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)
        self.assertIn("DEBUG must be off", result.stderr)
