"""The embedded SQLite database holds clinical records: its file, its -wal and -shm files and
its directory are readable by the service account only, whatever the umask (issue 9)."""

import stat
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from xinyuan.core.tests.test_settings_and_health import run_python

CREATE_AND_WRITE = """
import os, stat
os.umask({umask})
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
with connection.cursor() as cursor:  # WAL mode: the -wal and -shm files exist while open
    cursor.execute("INSERT INTO accounts_region (public_id, created_at, updated_at, name, code) "
                   "VALUES (lower(hex(randomblob(16))), '2026-01-01', '2026-01-01', "
                   "hex(randomblob(8)), '')")
data = os.environ["XINYUAN_DATA_DIR"]
for name in ("", "xinyuan.sqlite3", "xinyuan.sqlite3-wal", "xinyuan.sqlite3-shm"):
    path = os.path.join(data, name)
    print(name or "dir", oct(stat.S_IMODE(os.stat(path).st_mode)))
"""


class SqliteFileModeTests(SimpleTestCase):
    def modes(self, data_dir: Path, umask: str) -> dict[str, str]:
        result = run_python(CREATE_AND_WRITE.format(umask=umask), XINYUAN_DATA_DIR=str(data_dir))
        self.assertEqual(result.returncode, 0, result.stderr)
        return dict(line.split() for line in result.stdout.split("\n") if line.strip())

    def test_a_fresh_database_is_owner_only_whatever_the_umask(self):
        for umask in ("0o022", "0o000"):
            with tempfile.TemporaryDirectory() as tmp:
                modes = self.modes(Path(tmp) / "var", umask)
            self.assertEqual(
                modes,
                {
                    "dir": "0o700",
                    "xinyuan.sqlite3": "0o600",
                    "xinyuan.sqlite3-wal": "0o600",
                    "xinyuan.sqlite3-shm": "0o600",
                },
                f"umask {umask}",
            )

    def test_an_existing_database_readable_by_others_is_made_owner_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "var"
            self.modes(data, "0o022")
            for name in ("xinyuan.sqlite3", "xinyuan.sqlite3-wal", "xinyuan.sqlite3-shm"):
                if (data / name).exists():
                    (data / name).chmod(0o644)
            (data / "xinyuan.sqlite3").chmod(0o644)
            modes = self.modes(data, "0o022")
            self.assertEqual(modes["xinyuan.sqlite3"], "0o600")
            self.assertEqual(modes["xinyuan.sqlite3-wal"], "0o600")
            self.assertEqual(
                stat.S_IMODE((data / "xinyuan.sqlite3").stat().st_mode), 0o600, "and stays so"
            )
