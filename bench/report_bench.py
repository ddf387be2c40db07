#!/usr/bin/env python3
"""Work report benchmark (issue 11). Run by hand, never in the test suite.

    .venv/bin/python bench/report_bench.py --db sqlite --contacts 200000
    .venv/bin/python bench/report_bench.py --db postgres --contacts 10000000

Migrates a database of its own, loads the demo centre, tops it up to --contacts with
``manage.py generate_demo_data`` (three years of history), then measures in-process, each
--repeat times (median and max):

1. the monthly work report of the demo centre (last month that has ended):
   ``reports.selectors.work_report.work_report`` — every section, all its queries;
2. the three-year trend by month: ``service_trend`` (the JSON summary's buckets);

against a floor of hand-written SQL computing the same service and problem figures (one
statement with conditional counts for the month; one grouped by local month for the trend).
Targets: monthly report ≤ 1 s, three-year trend ≤ 500 ms, each ≤ 1.5× its floor.
Results: bench/results/report-*.json (git-ignored) and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["XINYUAN_ENV"] = "development"
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["XINYUAN_DATA_DIR"] = args.sqlite_dir
        Path(args.sqlite_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    import django

    django.setup()


def prepare(contacts: int) -> None:
    from django.core.management import call_command

    from xinyuan.hotline.models import Contact

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    have = Contact.objects.count()
    if have < contacts:
        call_command("generate_demo_data", contacts=contacts - have, years=3, verbosity=0)


def timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2)}


def hand_sql(vendor: str, trend: bool) -> str:
    """The service and problem figures in one statement, written by hand."""
    from xinyuan.hotline import taxonomy

    def count(condition: str) -> str:
        if vendor == "postgresql":
            return f"COUNT(*) FILTER (WHERE {condition})"
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    text = "c.problem_codes::text" if vendor == "postgresql" else "c.problem_codes"
    rows = {row: [] for row in taxonomy.REPORT_ROWS}
    for top in taxonomy.vocabulary().top_problems():
        rows[top.report].append(f"{text} LIKE '%\"{top.code}\"%' OR {text} LIKE '%\"{top.code}.%'")
    columns = [
        "COUNT(*)",
        count("c.channel = 'phone'"),
        count("c.risk_level IN ('high', 'imminent')"),
        count("c.contact_type IN ('silent', 'harassment', 'mental_disorder')"),
        count("c.contact_type = 'repeated' OR p.is_repeated_caller"),
        count(f"{text} NOT LIKE '%\"%'"),
    ] + [count(" OR ".join(conditions)) for conditions in rows.values() if conditions]
    bucket = ""
    if trend:
        bucket = (
            "date_trunc('month', c.started_at AT TIME ZONE 'Asia/Shanghai')"
            if vendor == "postgresql"
            else "strftime('%Y-%m', datetime(c.started_at, '+8 hours'))"
        )
        columns.insert(0, bucket)
    sql = (
        f"SELECT {', '.join(columns)} FROM hotline_contact c "  # noqa: S608 - fixed text
        "LEFT JOIN cases_person p ON p.id = c.person_id "
        "WHERE c.organisation_id = %s AND c.started_at >= %s AND c.started_at < %s"
    )
    return sql + (f" GROUP BY {bucket}" if trend else "")


def run(args) -> dict:
    from django.db import connection

    from xinyuan.accounts.models import User
    from xinyuan.hotline.models import Contact
    from xinyuan.reports import rules
    from xinyuan.reports.access import access_reports
    from xinyuan.reports.selectors import work_report as selectors

    director = User.objects.get(username="director1")
    scope = access_reports(director)
    today = date.today()
    month = rules.period_for("month", today.replace(day=1) - timedelta(days=1))
    years = rules.period_for("custom", today - timedelta(days=3 * 365), today)

    def floor(period: rules.Period, trend: bool):
        start, end = selectors.local_bounds(period.first, period.last)
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(
                hand_sql(connection.vendor, trend),
                [scope.organisations[0].pk, adapt(start), adapt(end)],
            )
            return cursor.fetchall()

    monthly = selectors.work_report(scope, month)
    check = floor(month, False)[0]
    assert check[0] == monthly.service.contacts, (check[0], monthly.service.contacts)
    assert check[2] == monthly.service.high_crisis
    results = {
        "database": connection.vendor,
        "contacts": Contact.objects.count(),
        "month_contacts": monthly.service.contacts,
        "monthly_report": timed(lambda: selectors.work_report(scope, month), args.repeat),
        "monthly_floor": timed(lambda: floor(month, False), args.repeat),
        "trend_3y": timed(lambda: selectors.service_trend(scope, years, "month"), args.repeat),
        "trend_floor": timed(lambda: floor(years, True), args.repeat),
        "load": Path("/proc/loadavg").read_text().split()[:3],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    results["monthly_ratio"] = round(
        results["monthly_report"]["median_ms"] / max(results["monthly_floor"]["median_ms"], 0.01),
        2,
    )
    results["trend_ratio"] = round(
        results["trend_3y"]["median_ms"] / max(results["trend_floor"]["median_ms"], 0.01), 2
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/xinyuan_bench"
    )
    parser.add_argument("--sqlite-dir", default="/tmp/xinyuan-bench-sqlite")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    configure(args)
    prepare(args.contacts)
    results = run(args)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"report-{results['database']}-{stamp}.json").write_text(json.dumps(results, indent=2))
    print(f"{'measurement':<18} {'median ms':>10} {'max ms':>10}")
    for name in ("monthly_report", "monthly_floor", "trend_3y", "trend_floor"):
        print(f"{name:<18} {results[name]['median_ms']:>10} {results[name]['max_ms']:>10}")
    print(
        f"contacts {results['contacts']}, in the month {results['month_contacts']}; "
        f"ratios: monthly {results['monthly_ratio']}x, trend {results['trend_ratio']}x "
        "(targets: ≤ 1 s and ≤ 500 ms, each ≤ 1.5x)"
    )


if __name__ == "__main__":
    main()
