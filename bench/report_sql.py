#!/usr/bin/env python3
"""Hand-written SQL for the reports (issue 11): the floor the app's report code is compared with.

    .venv/bin/python bench/report_sql.py                          # bench_xinyuan, last full month
    .venv/bin/python bench/report_sql.py --month 2026-11 --repeat 5 --show

On a database filled by ``bench/generate_contacts.py`` (PostgreSQL only), for the region's
centres (all centres of the database by default, or ``--centre ID``):

- ``service``: the monthly work report's service figures for one month — contacts by contact
  type, channel and outcome, high-risk contacts, contacts not completed, mean call length, and
  from the switch's call events the calls offered, answered, abandoned, the answer rate, mean
  and 90th-percentile wait, and local/other-area calls;
- ``problems``: contacts of the month by problem category (report row of the codes-2026.1
  vocabulary; a contact counts once per row), and how many carry no code;
- ``trend``: contacts per calendar month (Asia/Shanghai) and centre for the three years up to
  the month, with the high-risk ones.

Each query runs ``--repeat`` times (3) after one warm-up; prints the median and minimum time,
and with ``--show`` the figures. ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_xinyuan"


def report_rows() -> dict[str, str]:
    """Top problem category → its report row (the vocabulary's ``report``)."""
    data = json.loads(
        (ROOT / "xinyuan/hotline/taxonomy/codes-2026.1.json").read_text(encoding="utf-8")
    )
    return {top["code"]: top["report"] for top in data["problems"]}


# Month bounds in Asia/Shanghai as timestamptz: %(start)s and %(end)s are local dates.
BOUNDS = """
  (%(start)s::date::timestamp AT TIME ZONE 'Asia/Shanghai') AS lo,
  (%(end)s::date::timestamp AT TIME ZONE 'Asia/Shanghai') AS hi
"""

SERVICE_CONTACTS = f"""
WITH b AS (SELECT {BOUNDS})
SELECT c.organisation_id,
       count(*) AS contacts,
       count(*) FILTER (WHERE c.risk_level IN ('high', 'imminent')) AS high_risk,
       count(*) FILTER (WHERE c.outcome = 'not_completed') AS not_completed,
       round(avg(extract(epoch FROM c.ended_at - c.started_at))) AS mean_seconds
FROM b, hotline_contact c
WHERE c.organisation_id = ANY(%(orgs)s) AND c.started_at >= b.lo AND c.started_at < b.hi
GROUP BY c.organisation_id
ORDER BY c.organisation_id
"""

# Contacts by (type, channel, outcome) in one pass; the report's columns are its margins.
SERVICE_BREAKDOWN = f"""
WITH b AS (SELECT {BOUNDS})
SELECT c.organisation_id, c.contact_type, c.channel, c.outcome, count(*) AS n
FROM b, hotline_contact c
WHERE c.organisation_id = ANY(%(orgs)s) AND c.started_at >= b.lo AND c.started_at < b.hi
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
"""

SERVICE_CALLS = f"""
WITH b AS (SELECT {BOUNDS})
SELECT e.organisation_id,
       count(*) FILTER (WHERE e.kind = 'offered') AS offered,
       count(*) FILTER (WHERE e.kind = 'answered') AS answered,
       count(*) FILTER (WHERE e.kind = 'abandoned') AS abandoned,
       round(100.0 * count(*) FILTER (WHERE e.kind = 'answered')
             / nullif(count(*) FILTER (WHERE e.kind = 'offered'), 0), 1) AS answer_rate,
       round(avg(e.waited_seconds) FILTER (WHERE e.kind = 'answered'), 1) AS mean_wait,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY e.waited_seconds)
         FILTER (WHERE e.kind = 'answered') AS p90_wait,
       count(*) FILTER (WHERE e.kind = 'offered' AND e.is_local) AS local_calls,
       count(*) FILTER (WHERE e.kind = 'offered' AND NOT e.is_local) AS other_area_calls
FROM b, hotline_callevent e
WHERE e.organisation_id = ANY(%(orgs)s) AND e.occurred_at >= b.lo AND e.occurred_at < b.hi
GROUP BY e.organisation_id
ORDER BY e.organisation_id
"""

# A contact counts once per report row: distinct (contact, row) pairs, then count per row.
PROBLEMS = f"""
WITH b AS (SELECT {BOUNDS}),
rows(top, report) AS (SELECT * FROM jsonb_each_text(%(rows)s::jsonb)),
month AS (
  SELECT c.id, c.organisation_id, c.problem_codes
  FROM b, hotline_contact c
  WHERE c.organisation_id = ANY(%(orgs)s) AND c.started_at >= b.lo AND c.started_at < b.hi
)
SELECT organisation_id, report, count(*) AS contacts
FROM (
  SELECT DISTINCT m.id, m.organisation_id, coalesce(r.report, 'other') AS report
  FROM month m
  CROSS JOIN LATERAL jsonb_array_elements_text(m.problem_codes) AS code
  LEFT JOIN rows r ON r.top = split_part(code, '.', 1)
) AS pairs
GROUP BY 1, 2
UNION ALL
SELECT organisation_id, '(not coded)', count(*) FROM month
WHERE problem_codes = '[]'::jsonb GROUP BY 1
ORDER BY 1, 2
"""

TREND = """
SELECT c.organisation_id,
       to_char(date_trunc('month', c.started_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM') AS month,
       count(*) AS contacts,
       count(*) FILTER (WHERE c.risk_level IN ('high', 'imminent')) AS high_risk
FROM hotline_contact c
WHERE c.organisation_id = ANY(%(orgs)s)
  AND c.started_at >= (%(trend_start)s::date::timestamp AT TIME ZONE 'Asia/Shanghai')
  AND c.started_at < (%(end)s::date::timestamp AT TIME ZONE 'Asia/Shanghai')
GROUP BY 1, 2
ORDER BY 1, 2
"""

QUERIES = {
    "service: contacts": SERVICE_CONTACTS,
    "service: type × channel × outcome": SERVICE_BREAKDOWN,
    "service: calls (switch events)": SERVICE_CALLS,
    "problems by report row": PROBLEMS,
    "trend: 36 months × centre": TREND,
}


def month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    end = date(year + (number == 12), number % 12 + 1, 1)
    return start, end


def last_full_month() -> str:
    today = date.today()
    year, number = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{number:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--month", default=last_full_month(), help="YYYY-MM (Asia/Shanghai)")
    parser.add_argument("--centre", type=int, action="append", help="organisation id(s)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print the figures")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--json", type=Path, help="write the timings to this file")
    args = parser.parse_args()

    start, end = month_bounds(args.month)
    trend_start = date(end.year - 3, end.month, 1)
    results = {}
    with psycopg.connect(args.url, autocommit=True) as conn:
        orgs = args.centre or [r[0] for r in conn.execute("SELECT id FROM accounts_organisation")]
        params = {
            "start": start,
            "end": end,
            "trend_start": trend_start,
            "orgs": orgs,
            "rows": json.dumps(report_rows()),
        }
        total = conn.execute("SELECT count(*) FROM hotline_contact").fetchone()[0]
        print(f"{total:,} contacts; month {args.month}; trend from {trend_start}; centres {orgs}")
        for name, query in QUERIES.items():
            conn.execute(query, params).fetchall()  # warm-up
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                rows = conn.execute(query, params).fetchall()
                times.append((time.perf_counter() - t) * 1000)
            results[name] = {
                "median_ms": round(statistics.median(times), 1),
                "min_ms": round(min(times), 1),
                "rows": len(rows),
            }
            print(
                f"{name:38} median {results[name]['median_ms']:9.1f} ms"
                f"  min {results[name]['min_ms']:9.1f} ms  ({len(rows)} rows)"
            )
            if args.show:
                for row in rows:
                    print("   ", *row)
            if args.explain:
                plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params).fetchall()
                print("\n".join("    " + line for (line,) in plan))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {"contacts": total, "month": args.month, "queries": results}
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
