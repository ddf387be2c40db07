"""Helpers for tests that run the real server or worker as separate processes and kill them.

``FreshDatabaseMixin`` gives each test a database of the suite's kind that no other test
touches: a fresh SQLite file in a temporary data directory, or a fresh PostgreSQL database on the
suite's server (dropped afterwards). ``self.env`` is the environment for the processes,
``manage()`` runs a management command against that database, ``query()`` reads it directly
(fast enough to poll), and ``kill()`` sends SIGKILL to a process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class FreshDatabaseMixin:
    """For SimpleTestCase classes with ``databases = "__all__"``: a private database per test."""

    env: dict[str, str]
    tmp: Path

    def setUp(self):
        super().setUp()  # type: ignore[misc]
        self.tmp = Path(tempfile.mkdtemp(prefix="xinyuan-processes-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)  # type: ignore[attr-defined]
        self.env = {**os.environ, "XINYUAN_DATA_DIR": str(self.tmp), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.pg_conninfo = ""
        if connection.vendor == "postgresql":
            url = os.environ["DATABASE_URL"]
            name = f"xinyuan_processes_{uuid.uuid4().hex[:8]}"
            admin = dj_database_url.parse(url)
            base = f"host={admin['HOST']} port={admin['PORT'] or 5432} user={admin['USER']}"
            if admin.get("PASSWORD"):
                base += f" password={admin['PASSWORD']}"
            conninfo = base + " dbname=postgres"
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')

            def drop():
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            self.addCleanup(drop)  # type: ignore[attr-defined]
            self.env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
            self.pg_conninfo = base + f" dbname={name}"
        else:
            self.env.pop("DATABASE_URL", None)  # the embedded default: a SQLite file
        self.manage("migrate", "--noinput")

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - fixed command
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.assertEqual(result.returncode, 0, f"{args}: {result.stderr[-2000:]}")  # type: ignore[attr-defined]
        return result.stdout

    def query(self, sql: str) -> list[tuple]:
        """Rows of a read-only query on the test's database, from this process."""
        if self.pg_conninfo:
            with psycopg.connect(self.pg_conninfo, autocommit=True) as conn:
                return conn.execute(sql).fetchall()  # type: ignore[arg-type]
        db = sqlite3.connect(self.tmp / "xinyuan.sqlite3", timeout=20)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def spawn(self, *command: str) -> subprocess.Popen:
        """A process in its own process group (SIGKILL reaches its children too)."""
        process = subprocess.Popen(  # noqa: S603 - fixed command
            list(command),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.addCleanup(self.kill, process)  # type: ignore[attr-defined]
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=30)
