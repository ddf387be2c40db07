"""Reports read from a PostgreSQL read replica when one is configured (issue 11).

Against a real streaming replica: the test makes a primary and a replica of its own
(streaming_replica.py: initdb, pg_basebackup -R; the shared test server need not allow
replication), migrates the primary, and runs the app configured as deployed
(``DATABASE_URL`` + ``DATABASE_REPLICA_URL``) in a child process (replica_probe.py).
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test import SimpleTestCase

from xinyuan.reports.tests import streaming_replica

ROOT = Path(settings.BASE_DIR)


def _settings_with(env: dict[str, str]) -> dict:
    """The settings module evaluated afresh with these environment variables."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL"}}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        return runpy.run_path(str(ROOT / "config" / "settings.py"))


class ReplicaSettingsTests(SimpleTestCase):
    def test_database_replica_url_becomes_the_replica_alias_mirrored_in_tests(self):
        parsed = _settings_with(
            {
                "DATABASE_URL": "postgres://app:pw@primary.internal:5432/xinyuan",
                "DATABASE_REPLICA_URL": "postgres://reader:secret@replica.internal:6543/xinyuan",
            }
        )
        replica = parsed["DATABASES"]["replica"]
        self.assertEqual(replica["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual(
            (replica["HOST"], replica["PORT"], replica["NAME"], replica["USER"]),
            ("replica.internal", 6543, "xinyuan", "reader"),
        )
        self.assertEqual(replica["PASSWORD"], "secret")
        self.assertEqual(replica["TEST"], {"MIRROR": "default"})
        self.assertEqual(parsed["DATABASES"]["default"]["HOST"], "primary.internal")

    def test_without_the_variable_there_is_no_replica_and_reports_read_the_primary(self):
        parsed = _settings_with({"DATABASE_URL": "postgres://app@primary.internal:5432/x"})
        self.assertNotIn("replica", parsed["DATABASES"])
        from xinyuan.reports import replica

        with mock.patch.object(replica, "settings", SimpleNamespace(**parsed)):
            self.assertEqual(replica.report_database(), "default")
        with mock.patch.object(replica, "settings", SimpleNamespace(DATABASES={"replica": {}})):
            self.assertEqual(replica.report_database(), "replica")


def _skip_reason() -> str | None:
    if connection.vendor != "postgresql":
        return "the read replica is PostgreSQL streaming replication: run with DATABASE_URL"
    return streaming_replica.missing_reason()


@unittest.skipIf(_skip_reason(), _skip_reason() or "")
class StreamingReplicaTests(SimpleTestCase):
    """One pair for the class (~10 s): start, migrate, run the probe once, tear down."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pair = streaming_replica.StreamingPair()
        cls.addClassCleanup(pair.stop)
        pair.start()
        data_dir = tempfile.mkdtemp(prefix="xinyuan-replica-app-")
        cls.addClassCleanup(shutil.rmtree, data_dir, ignore_errors=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"XINYUAN_TEST_DB_NAME", "DATABASE_REPLICA_URL", "DATABASE_URL"}
        }
        env.update(DATABASE_URL=pair.primary_url, XINYUAN_DATA_DIR=data_dir)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run(  # noqa: S603
            [*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=120
        )
        env["DATABASE_REPLICA_URL"] = pair.replica_url
        probe = subprocess.run(  # noqa: S603
            [
                *manage,
                "shell",
                "-c",
                "from xinyuan.reports.tests.replica_probe import main; main()",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if probe.returncode != 0:
            raise AssertionError(f"the probe failed:\n{probe.stdout}\n{probe.stderr}")
        cls.observed = json.loads(probe.stdout.strip().splitlines()[-1])
        cls.pair = pair

    def test_the_app_parses_the_replica_url_and_reports_use_that_alias(self):
        self.assertEqual(self.observed["report_alias"], "replica")
        self.assertEqual(
            self.observed["replica_settings"],
            {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": "127.0.0.1",
                "PORT": self.pair.replica_port,
                "NAME": "xinyuan",
                "USER": "postgres",
            },
        )

    def test_a_report_query_runs_on_the_replica_and_writes_on_the_primary(self):
        self.assertTrue(self.observed["report_in_recovery"], "the report connection is a standby")
        self.assertFalse(self.observed["default_in_recovery"], "the write connection is not")
        self.assertTrue(self.observed["written_on_primary"])
        self.assertEqual(self.observed["caught_up"], 0)

    def test_a_report_lags_while_the_replica_is_behind_and_sees_the_write_once_caught_up(self):
        self.assertEqual(
            self.observed["report_while_behind"], 0, "replay paused: the report cannot see it"
        )
        self.assertEqual(self.observed["report_after_catch_up"], 1)

    def test_the_hot_topics_report_reads_the_replica(self):
        self.assertEqual(self.observed["hot_topics_while_behind"], 0)
        self.assertEqual(self.observed["hot_topics_after_catch_up"], 1)

    def test_the_replica_refuses_writes(self):
        self.assertIn("read-only", self.observed["replica_write_error"] or "")
