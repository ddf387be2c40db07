"""Backup and restore of the whole database (``manage.py backup`` / ``manage.py restore``).

SQLite: the online backup API (a consistent copy while the app keeps running). PostgreSQL:
``pg_dump --format=custom`` and ``pg_restore --clean``. Point-in-time recovery of PostgreSQL is
a server matter (WAL archiving), described in docs/deployment.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.db import connection


class BackupError(Exception):
    pass


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from Django's settings (password via env)."""
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", s["HOST"]]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found; install the PostgreSQL client (Debian: postgresql-client)."
        )
    return path


def _private(path: Path) -> None:
    """Backups hold clinical text: readable by the owner only."""
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)


def backup(path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        tmp = path.with_name(path.name + ".partial")
        tmp.unlink(missing_ok=True)
        _private(tmp)
        target = sqlite3.connect(tmp)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(tmp, path)  # never a half-written backup under the final name
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        tmp = path.with_name(path.name + ".partial")
        tmp.unlink(missing_ok=True)
        _private(tmp)
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        os.replace(tmp, path)
    else:
        raise BackupError(f"Backups of {connection.vendor} are not supported.")


def restore(path: Path) -> None:
    """Replace the whole database with the backup. The caller has confirmed this."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is not an intact SQLite database.")
            source.backup(connection.connection)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup: {exc}") from exc
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(path),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"Restoring {connection.vendor} is not supported.")


def row_counts() -> dict[str, int]:
    """Rows per table of every installed model: what a round trip must preserve."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._default_manager.using("default").count()
    return counts
