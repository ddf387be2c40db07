#!/usr/bin/env python3
"""The cost of appending one audit event: ``record()`` in its own transaction. Run by hand.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinyuan_bench_record  # or, for SQLite:
    export XINYUAN_DATA_DIR=/tmp/xinyuan-bench-record
    .venv/bin/python manage.py migrate && .venv/bin/python bench/record_bench.py --calls 10000

One process, one client: each call is ``with transaction.atomic(): record(...)`` (a view event
on a user, as ``do_record_view`` writes), committed. Prints the statements of one call and the
time per call (mean, p50, p95). The floor in the same run is an empty committed transaction
that inserts nothing. Works on the code before and after issue 9 (same ``record`` signature).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from xinyuan.accounts.models import Organisation, User  # noqa: E402
from xinyuan.audit.actions import record  # noqa: E402


def actor() -> User:
    org, _ = Organisation.objects.get_or_create(name="bench", defaults={"hotline_name": "bench"})
    user, _ = User.objects.get_or_create(
        username="bench-recorder", defaults={"organisation": org, "role": "counsellor"}
    )
    return user


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        begin = time.perf_counter()
        fn()
        out.append((time.perf_counter() - begin) * 1000)
    return out


def summary(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {
        "mean_ms": round(statistics.fmean(ms), 3),
        "p50_ms": round(ms[len(ms) // 2], 3),
        "p95_ms": round(ms[int(len(ms) * 0.95)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    user = actor()

    def one():
        with transaction.atomic():
            record(actor=user, action="view", target=user, changes={"fields": ["x"]})

    def empty():
        with transaction.atomic():
            connection.cursor().execute("SELECT 1")

    with CaptureQueriesContext(connection) as captured:
        one()
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    timed(one, 200)  # warm up
    floor = timed(empty, args.calls)
    begin = time.perf_counter()
    calls = timed(one, args.calls)
    total = time.perf_counter() - begin
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "calls": args.calls,
        "statements_per_call": statements,
        "seconds_total": round(total, 2),
        "record": summary(calls),
        "floor_empty_transaction": summary(floor),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
