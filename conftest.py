import itertools
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_checkpoint_files = itertools.count()


@pytest.fixture(autouse=True)
def _own_audit_checkpoint_file(settings, tmp_path_factory):
    """Each test gets its own audit checkpoint file (the sealer appends to it; verify_audit
    compares it with the database, which each test starts afresh)."""
    base = tmp_path_factory.getbasetemp()
    settings.AUDIT_CHECKPOINT_FILE = base / f"audit-checkpoints-{next(_checkpoint_files)}.jsonl"
