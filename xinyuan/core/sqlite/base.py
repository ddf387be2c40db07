"""Django's SQLite backend, with the database kept private to the service account.

Before the first connection to a database file the directory is created 0700 (when missing)
and the file 0600, whatever the umask; an existing file (or -wal/-shm file) that others could
read is made owner-only. SQLite creates the -wal and -shm files with the database file's mode,
so they are 0600 too. ENGINE ``xinyuan.core.sqlite`` (config/settings.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.db.backends.sqlite3 import base

_prepared: set[str] = set()


def make_private(name: str) -> None:
    """Create the database's directory (0700) and file (0600) if missing; take group and other
    permissions off an existing database file and its -wal and -shm files. Once per process."""
    if name in _prepared or not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)  # mkdir's mode is cut by the umask: set it exactly
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        os.fchmod(fd, 0o600)  # exactly, whatever the umask (SQLite needs to write it)
        os.close(fd)
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            info = candidate.stat()
        except FileNotFoundError:
            continue
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(candidate, stat.S_IMODE(info.st_mode) & 0o700)
    _prepared.add(name)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        make_private(str(conn_params.get("database", "")))
        return super().get_new_connection(conn_params)
