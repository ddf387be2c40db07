"""A throw-away PostgreSQL primary and streaming replica for the read-replica test.

The shared test server need not accept replication connections, so the test makes its own pair:
``initdb`` a primary on a free port of 127.0.0.1 (``wal_level=replica``, replication allowed
from 127.0.0.1 only, trust), ``pg_basebackup -R`` a replica from it, start both, and stop and
delete both afterwards. PostgreSQL refuses to run as root: when the tests run as root, every
server command runs as the ``postgres`` system user through ``runuser``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

BIN_DIRS = [
    os.environ.get("XINYUAN_PG_BIN", ""),
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/14/bin",
]
TOOLS = ("initdb", "pg_ctl", "pg_basebackup")


def find_bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl and pg_basebackup: XINYUAN_PG_BIN, Debian's
    versioned directories, or PATH."""
    for candidate in BIN_DIRS:
        if candidate and all((Path(candidate) / tool).is_file() for tool in TOOLS):
            return Path(candidate)
    found = [shutil.which(tool) for tool in TOOLS]
    if all(found):
        return Path(found[0]).parent  # type: ignore[arg-type]
    return None


def missing_reason() -> str | None:
    """Why a pair cannot be made here, or None when it can."""
    if find_bin_dir() is None:
        return (
            "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: "
            "set XINYUAN_PG_BIN to their directory"
        )
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser: PostgreSQL refuses to run as root"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and no 'postgres' system user to run PostgreSQL as"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamingPair:
    """``with StreamingPair() as pair:`` — ``pair.primary_url`` and ``pair.replica_url`` are
    database URLs (database ``xinyuan``) of a running primary and its streaming replica."""

    DATABASE = "xinyuan"

    def __init__(self, timeout: float = 20.0) -> None:
        self.timeout = timeout
        bin_dir = find_bin_dir()
        assert bin_dir is not None, missing_reason()
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="xinyuan-replica-"))
        self.primary_dir = self.root / "primary"
        self.replica_dir = self.root / "replica"
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.started: list[Path] = []

    # URLs ---------------------------------------------------------------------------------
    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{self.DATABASE}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    # Life cycle ---------------------------------------------------------------------------
    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(  # noqa: S603 - fixed tools, arguments built here
            command, capture_output=True, text=True, timeout=60, cwd=self.root
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def _start(self, data_dir: Path, port: int) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(data_dir),
            "-l",
            str(self.root / f"{data_dir.name}.log"),
            "-o",
            f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1",
            "-w",
            "-t",
            str(int(self.timeout)),
            "start",
        )
        self.started.append(data_dir)

    def start(self) -> StreamingPair:
        self._run(
            "initdb",
            "-D",
            str(self.primary_dir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        with open(self.primary_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            # fsync off: a throw-away cluster; nothing here needs to survive a crash.
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        with open(self.primary_dir / "pg_hba.conf", "a", encoding="utf-8") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self._start(self.primary_dir, self.primary_port)
        with self.connect(self.primary_port, "postgres") as conn:
            conn.execute(f"CREATE DATABASE {self.DATABASE}")
        # -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica.
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(self.replica_dir),
            "-R",
            "-X",
            "stream",
            # An immediate checkpoint: the default waits for a spread one (minutes).
            "--checkpoint=fast",
        )
        self._start(self.replica_dir, self.replica_port)
        return self

    def stop(self) -> None:
        for data_dir in reversed(self.started):
            try:
                self._run("pg_ctl", "-D", str(data_dir), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass  # already gone; the directory is removed below either way
        self.started.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> StreamingPair:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    # Inspection ---------------------------------------------------------------------------
    def connect(self, port: int, database: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=port,
            user="postgres",
            dbname=database or self.DATABASE,
            autocommit=True,
        )

    def wait_for_replay(self) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        wait_for_replay(self.primary_url, self.replica_url, self.timeout)


def _scalar(url: str, sql: str):
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 20.0) -> None:
    """Block until the replica's replay position (``pg_last_wal_replay_lsn``) reaches the
    primary's current WAL position as read now."""
    target = _scalar(primary_url, "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while True:
        caught_up = _scalar(replica_url, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if caught_up:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")
        time.sleep(0.05)
