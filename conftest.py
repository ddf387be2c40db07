import itertools
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Flushed test databases reuse record ids: a sealing key kept from an earlier test would seal a
# new record's words under a key its database does not have (audit/shred.py; one test turns
# the cache on to show it works).
os.environ.setdefault("XINYUAN_AUDIT_CACHE_SEALING_KEYS", "0")
# Likewise a bearer token kept from an earlier test (one test turns the cache on).
os.environ.setdefault("XINYUAN_API_TOKEN_CACHE_SECONDS", "0")

_checkpoint_files = itertools.count()


@pytest.fixture(autouse=True)
def _own_audit_checkpoint_file(settings, tmp_path_factory):
    """Each test gets its own audit checkpoint file (the sealer appends to it; verify_audit
    compares it with the database, which each test starts afresh)."""
    base = tmp_path_factory.getbasetemp()
    settings.AUDIT_CHECKPOINT_FILE = base / f"audit-checkpoints-{next(_checkpoint_files)}.jsonl"
