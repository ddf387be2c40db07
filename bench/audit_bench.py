#!/usr/bin/env python3
"""verify_audit over a long sealed log (issue 3: 10,000,000 events in ≤ 60 s). Run by hand.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinyuan_bench   # or, for SQLite:
    export XINYUAN_DATA_DIR=/tmp/xinyuan-bench-sqlite
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/audit_bench.py --events 1000000

1. Tops the log up to --events synthetic events (typical sizes: a contact update with two
   changed fields), written in bulk (COPY on PostgreSQL), and seals them with the real sealer
   (``seal_pending``, batches of 5,000: one signed checkpoint each), timed.
2. Times ``verify_chain()`` — what ``manage.py verify_audit`` runs — over the whole log, and,
   as the floor in the same run, a plain read of the same rows (the same join) without hashing.
Prints one JSON line; bench/results/audit-*.json keeps it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from xinyuan.audit.models import AuditCheckpoint, AuditEvent  # noqa: E402
from xinyuan.audit.sealing import seal_pending  # noqa: E402
from xinyuan.audit.verify import _rows, verify_chain  # noqa: E402

COLUMNS = (
    "public_id", "created_at", "organisation_id", "actor_id", "actor_role", "action",
    "target_type", "target_id", "changes_json", "reason", "ip", "user_agent",
)  # fmt: skip


def top_up(target: int, batch: int = 50_000) -> int:
    sequence = AuditEvent.objects.count()
    if sequence >= target:
        return 0
    from xinyuan.accounts.models import Organisation, User

    org_id = Organisation.objects.values_list("pk", flat=True).first()
    actor_id = User.objects.values_list("pk", flat=True).first()
    start = datetime(2023, 12, 1, tzinfo=UTC)
    agent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"
    added = 0
    table = AuditEvent._meta.db_table
    while sequence < target:
        rows = []
        for _ in range(min(batch, target - sequence)):
            sequence += 1
            created = start + timedelta(seconds=sequence * 9)
            public_id, target_id = uuid.uuid4(), uuid.uuid4()
            changes = json.dumps(
                {"problems": ["", f"事件 {sequence}"], "goal": ["", "睡好觉"]},
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            )
            rows.append(
                (public_id, created, org_id, actor_id, "counsellor", "update", "hotline.contact",
                 target_id, changes, "", "10.0.0.7", agent)
            )  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(COLUMNS))
                by_column = {f.column: f for f in AuditEvent._meta.concrete_fields}
                fields = [by_column[c] for c in COLUMNS]
                prep = [
                    (f.get_db_prep_save if not f.is_relation else (lambda v, connection: v))
                    for f in fields
                ]
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})",
                    [
                        tuple(p(v, connection=connection) for p, v in zip(prep, r, strict=True))
                        for r in rows
                    ],
                )
        added += len(rows)
        print(f"  {sequence:,} events", file=sys.stderr, flush=True)
    return added


def plain_read() -> tuple[int, float]:
    """The floor: the same rows read the same way, in the same order, without hashing."""
    last = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence", flat=True)[0]
    begin = time.perf_counter()
    n = sum(1 for _row in _rows(20_000, 1, last))
    return n, time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    begin = time.perf_counter()
    added = top_up(args.events)
    fill_seconds = time.perf_counter() - begin
    begin = time.perf_counter()
    sealed = seal_pending(full=True)
    seal_seconds = time.perf_counter() - begin
    begin = time.perf_counter()
    seal_pending()  # the loop's routine run with nothing to do (window)
    idle_window_seconds = time.perf_counter() - begin
    begin = time.perf_counter()
    seal_pending(full=True)  # the daily full sweep with nothing to do
    idle_full_seconds = time.perf_counter() - begin
    n_floor, floor_seconds = plain_read()
    begin = time.perf_counter()
    result = verify_chain(workers=args.workers)
    verify_seconds = time.perf_counter() - begin
    out = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "events": result.checked,
        "log_ok": result.ok,
        "problem": result.problem,
        "warnings": result.warnings,
        "added": added,
        "fill_seconds": round(fill_seconds, 1),
        "sealed": sealed.sealed,
        "seal_seconds": round(seal_seconds, 1),
        "seal_events_per_second": round(sealed.sealed / seal_seconds) if sealed.sealed else None,
        "checkpoints": AuditCheckpoint.objects.count(),
        "idle_window_run_seconds": round(idle_window_seconds, 3),
        "idle_full_sweep_seconds": round(idle_full_seconds, 1),
        "workers": args.workers,
        "verify_seconds": round(verify_seconds, 1),
        "events_per_second": round(result.checked / verify_seconds) if verify_seconds else None,
        "floor_read_seconds": round(floor_seconds, 1),
        "ratio_to_floor": round(verify_seconds / floor_seconds, 2) if floor_seconds else None,
        "target_seconds_for_10m": 60,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"audit-{connection.vendor}-{stamp}.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
