#!/usr/bin/env python3
"""Fill a PostgreSQL database with contacts for the reports benchmarks (issue 11). Run by hand.

    .venv/bin/python bench/generate_contacts.py                    # 10,000,000 contacts
    .venv/bin/python bench/generate_contacts.py --contacts 100000  # a quick one

Creates the database (``bench_xinyuan`` on 127.0.0.1:5432 by default; ``--recreate`` drops it
first), migrates it with the app's migrations, and adds one region with ``--centres`` centres
(different sizes), their counsellors and seats, then ``--contacts`` closed contacts spread over
``--years`` years up to ``--end`` (yesterday) and, for every phone contact, the switch's call events
(offered + answered) plus abandoned calls (offered + abandoned, no contact). Everything is
made inside PostgreSQL by ``INSERT … SELECT … FROM generate_series`` in batches of
``--batch`` rows: nothing crosses the wire per row. Secondary indexes and foreign-key triggers
are off during the load (``session_replication_role = replica``; the rows are consistent by
construction) and the indexes are built afterwards, then ``ANALYZE``.

Distributions (invented, but shaped like a city hotline's): more contacts each year (about
+10-25 %/year), stored in time order as a live system writes them; evenings busiest, few
calls 02:00-07:00; about 85 % phone; contact types, risk levels, outcomes, caller gender and
age by fixed weights; 0-3 coded problems from the codes-2026.1 vocabulary (about 15 % not
coded), 1-2 interventions; call lengths 3-60 min.
The free-text notes are empty except a short ``purpose`` phrase from a small list.
Prints what it did and the time of each step; ``--json`` writes it to a file too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_xinyuan"

# (name, share of the contacts, counsellors, seats)
CENTRES = [
    ("基准市心理援助热线", 0.40, 60, 12),
    ("基准市第二心理援助热线", 0.25, 40, 8),
    ("基准区心理援助热线", 0.20, 30, 6),
    ("基准县心理援助热线", 0.15, 20, 4),
]
# Weights by hour of day (Asia/Shanghai), 00..23: evenings busiest.
HOUR_WEIGHTS = [6, 4, 2, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 10, 10, 10, 10, 11, 12, 14, 16, 16, 14, 10]
CHANNELS = [("phone", 85), ("chat", 12), ("walk_in", 2), ("other", 1)]
TYPES = [
    ("general", 55),
    ("suicide_risk", 6),
    ("silent", 10),
    ("chitchat", 6),
    ("harassment", 3),
    ("repeated", 8),
    ("mental_disorder", 5),
    ("for_others", 4),
    ("information", 3),
]
RISK = [("", 55), ("low", 28), ("moderate", 11), ("high", 5), ("imminent", 1)]
OUTCOMES = [
    ("resolved", 40),
    ("partly", 30),
    ("referred", 10),
    ("crisis", 2),
    ("dropped", 12),
    ("ended", 5),
    ("not_completed", 1),
]
GENDER = [("female", 55), ("male", 38), ("other", 1), ("unknown", 6)]
AGE = [
    ("under_14", 3),
    ("14_17", 12),
    ("18_24", 25),
    ("25_34", 24),
    ("35_44", 15),
    ("45_59", 12),
    ("60_plus", 4),
    ("unknown", 5),
]
PURPOSES = [
    "失眠焦虑，想找人聊聊",
    "工作压力大，情绪低落",
    "和父母关系紧张",
    "考试失利，很沮丧",
    "失恋后睡不着",
    "婚姻矛盾，想离婚",
    "孩子厌学，不知道怎么办",
    "身体不好，担心病情",
    "最近总想哭",
    "失业了，经济压力大",
    "同事排挤，人际关系困扰",
    "亲人去世，很难过",
    "有轻生的念头",
    "咨询心理门诊的信息",
    "",
]
ABANDONED_SHARE = 0.08  # abandoned calls, as a share of the phone contacts


def weighted(values: list[tuple[str, int]]) -> list[str]:
    """Values repeated by weight: ``arr[1 + floor(random() * len)]`` draws one."""
    return [value for value, weight in values for _ in range(weight)]


def problem_codes() -> list[str]:
    data = json.loads(
        (ROOT / "xinyuan/hotline/taxonomy/codes-2026.1.json").read_text(encoding="utf-8")
    )
    heavy = {"emotional": 5, "family": 3, "romantic": 2, "study": 3, "work": 2, "suicide": 1}
    out: list[str] = []
    for top in data["problems"]:
        for child in top.get("children", []):
            out += [child["code"]] * heavy.get(top["code"], 1)
    return out


def intervention_codes() -> list[str]:
    data = json.loads(
        (ROOT / "xinyuan/hotline/taxonomy/codes-2026.1.json").read_text(encoding="utf-8")
    )
    return [c["code"] for c in data["interventions"]]


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def ensure_database(url: str, recreate: bool) -> None:
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info["dbname"]
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_REPLICA_URL"}}
    env["DATABASE_URL"] = url
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, cwd=ROOT, check=True
    )


def empty_value(data_type: str) -> str:
    if data_type in {"jsonb", "json"}:
        return "'[]'::jsonb"
    if data_type == "boolean":
        return "false"
    if data_type in {"smallint", "integer", "bigint"}:
        return "0"
    if data_type == "uuid":
        return "gen_random_uuid()"
    if data_type.startswith("timestamp"):
        return "now()"
    return "''"


def insert_row(conn, table: str, values: dict) -> int:
    """Insert one row, filling every other NOT NULL column with an empty value of its type."""
    columns = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL "
        "AND is_identity = 'NO'",
        [table],
    ).fetchall()
    names = list(values)
    exprs = [sql.Literal(v) for v in values.values()]
    for name, data_type in columns:
        if name not in values:
            names.append(name)
            exprs.append(sql.SQL(empty_value(data_type)))
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(exprs),
    )
    return conn.execute(query).fetchone()[0]


def make_centres(conn) -> list[dict]:
    region_name = "基准市卫生健康委员会"
    row = conn.execute("SELECT id FROM accounts_region WHERE name = %s", [region_name]).fetchone()
    region_id = row[0] if row else insert_row(conn, "accounts_region", {"name": region_name})
    centres = []
    for index, (name, share, counsellors, seats) in enumerate(CENTRES):
        found = conn.execute("SELECT id FROM accounts_organisation WHERE name = %s", [name])
        row = found.fetchone()
        if row:
            org_id = row[0]
        else:
            org_id = insert_row(
                conn,
                "accounts_organisation",
                {"name": name, "hotline_name": name, "region_id": region_id, "line_count": seats},
            )
            for n in range(counsellors):
                insert_row(
                    conn,
                    "accounts_user",
                    {
                        "username": f"bench{index}_c{n:03d}",
                        "password": "!",  # unusable: nobody signs in as them
                        "organisation_id": org_id,
                        "role": "counsellor",
                        "alias": f"{n + 1:02d}号",
                        "is_active": True,
                    },
                )
            for n in range(seats):
                insert_row(conn, "hotline_seat", {"organisation_id": org_id, "code": f"A{n:02d}"})
            insert_row(
                conn,
                "accounts_user",
                {
                    "username": f"bench{index}_director",
                    "password": "!",
                    "organisation_id": org_id,
                    "role": "director",
                    "is_active": True,
                },
            )
        users = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM accounts_user WHERE organisation_id = %s AND role = 'counsellor' "
                "ORDER BY id",
                [org_id],
            )
        ]
        seat_ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM hotline_seat WHERE organisation_id = %s ORDER BY id", [org_id]
            )
        ]
        centres.append({"id": org_id, "share": share, "counsellors": users, "seats": seat_ids})
    if not conn.execute("SELECT 1 FROM accounts_user WHERE username = 'bench_officer'").fetchone():
        insert_row(
            conn,
            "accounts_user",
            {
                "username": "bench_officer",
                "password": "!",
                "role": "region_officer",
                "region_id": region_id,
                "is_active": True,
            },
        )
    return centres


class SecondaryIndexes:
    """Drop a table's secondary indexes and unique constraints (not the primary key) for the
    load and build them again afterwards."""

    def __init__(self, conn, table: str) -> None:
        self.conn, self.table = conn, table
        self.constraints = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        ).fetchall()
        self.indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
            [table, table],
        ).fetchall()

    def drop(self) -> None:
        for name, _definition in self.constraints:
            self.conn.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(self.table), sql.Identifier(name)
                )
            )
        for name, _definition in self.indexes:
            self.conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

    def build(self) -> None:
        for name, definition in self.constraints:
            self.conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.Identifier(self.table), sql.Identifier(name), sql.SQL(definition)
                )
            )
        for _name, definition in self.indexes:
            self.conn.execute(sql.SQL(definition))


def array(values) -> sql.Composable:
    return sql.Literal(list(values))


CONTACTS_SQL = """
WITH g AS (
  SELECT n,
         -- the centre: cumulative shares
         width_bucket(r_org, {thresholds}::float8[]) AS org_i,
         -- the day: n runs from the oldest to the newest, so the rows are stored in time
         -- order as a live system writes them; later days get more contacts (the power).
         ({end_day}::date
           - floor(power(1 - (n - 0.5) / {total}::float8, 1.25) * {days})::int) AS day,
         {hours}[1 + floor(random() * {n_hours})::int] AS hour,
         floor(random() * 3600)::int AS second_in_hour,
         random() AS r_couns, random() AS r_seat, random() AS r_len,
         random() AS r_codes
  FROM (SELECT n, random() AS r_org
        FROM generate_series({lo}::bigint, {hi}::bigint) AS n) AS base
), t AS (
  SELECT g.*,
         ((day + make_interval(hours => hour, secs => second_in_hour))::timestamp
           AT TIME ZONE 'Asia/Shanghai') AS started
  FROM g
)
INSERT INTO hotline_contact (
  public_id, created_at, updated_at, organisation_id, counsellor_id, seat_id, number, channel,
  status, contact_type, started_at, ended_at, current_stage, version, field_versions,
  external_call_id, recording_consent, recording_url, legal_hold, legal_hold_reason,
  anonymised_at, is_flagged, flag_reason, risk_level, about, caller_gender, caller_age_group,
  caller_education, caller_work_status, caller_marital_status, caller_prior_treatment,
  purpose, emotional_state, voice_cues, strong_negative_emotion, problem_codes,
  intervention_codes, resource_codes, codes_version, problems, goal, motivation, past_coping,
  resources, obstacles, smart_goal, options, interventions, actions_decided, caller_feedback,
  goal_attainment, outcome, counsellor_notes, follow_up_declined, protocol_steps_done)
SELECT
  gen_random_uuid(), started, started + ((3 + power(r_len, 2) * 57) * interval '1 minute'),
  ({org_ids}::bigint[])[org_i],
  ({couns_first}::bigint[])[org_i] + floor(r_couns * ({couns_n}::int[])[org_i])::bigint,
  CASE WHEN ch = 'phone'
       THEN ({seat_first}::bigint[])[org_i] + floor(r_seat * ({seat_n}::int[])[org_i])::bigint
  END,
  '', ch, 'closed', ctype, started,
  started + ((3 + power(r_len, 2) * 57) * interval '1 minute'), 5, 6, '{{}}'::jsonb,
  '', 'not_recorded', '', false, '', NULL, false, '', risk, 'self', gender, age,
  'unknown', 'unknown', 'unknown', 'unknown',
  {purposes}[1 + floor(random() * {n_purposes})::int], '', '', risk IN ('high', 'imminent'),
  CASE WHEN r_codes < 0.15 THEN '[]'::jsonb
       WHEN r_codes < 0.60 THEN jsonb_build_array(p1)
       WHEN r_codes < 0.90 THEN jsonb_build_array(p1, p2)
       ELSE jsonb_build_array(p1, p2, p3) END,
  CASE WHEN r_codes < 0.15 THEN '[]'::jsonb
       WHEN r_codes < 0.70 THEN jsonb_build_array(i1)
       ELSE jsonb_build_array(i1, i2) END,
  '[]'::jsonb, 'codes-2026.1', '', '', '', '', '', '', '', '', '', '', '',
  CASE WHEN outcome IN ('dropped', 'not_completed') THEN NULL
       ELSE floor(random() * 11)::smallint END,
  outcome, '', '', '[]'::jsonb
FROM (
  SELECT t.*,
         {channels}[1 + floor(random() * {n_channels})::int] AS ch,
         {types}[1 + floor(random() * {n_types})::int] AS ctype,
         {risks}[1 + floor(random() * {n_risks})::int] AS risk,
         {outcomes}[1 + floor(random() * {n_outcomes})::int] AS outcome,
         {genders}[1 + floor(random() * {n_genders})::int] AS gender,
         {ages}[1 + floor(random() * {n_ages})::int] AS age,
         {problems}[1 + floor(random() * {n_problems})::int] AS p1,
         {problems}[1 + floor(random() * {n_problems})::int] AS p2,
         {problems}[1 + floor(random() * {n_problems})::int] AS p3,
         {interventions}[1 + floor(random() * {n_interventions})::int] AS i1,
         {interventions}[1 + floor(random() * {n_interventions})::int] AS i2
  FROM t
) AS x
ORDER BY started
"""

# Two events per phone contact of the batch: offered, then answered after a short wait at its
# seat. call_ref: 'c' and the contact's id (unique per centre).
CALL_EVENTS_SQL = """
INSERT INTO hotline_callevent (public_id, created_at, updated_at, organisation_id, call_ref,
  kind, occurred_at, waited_seconds, seat_id, contact_id, caller_area, is_local)
SELECT gen_random_uuid(), e.at, e.at, c.organisation_id, 'c' || c.id, e.kind, e.at, e.waited,
       c.seat_id, c.id, a.area, CASE WHEN a.area = '' THEN NULL ELSE a.area = '基准市' END
FROM (
  SELECT id, organisation_id, seat_id, started_at,
         floor(power(random(), 3) * 90)::int AS w, random() AS ra
  FROM hotline_contact WHERE id BETWEEN %(lo)s AND %(hi)s AND channel = 'phone'
) AS c
CROSS JOIN LATERAL (VALUES
  ('offered', c.started_at - c.w * interval '1 second', NULL::int),
  ('answered', c.started_at, c.w)
) AS e(kind, at, waited)
CROSS JOIN LATERAL (
  SELECT CASE WHEN c.ra < 0.7 THEN '基准市' WHEN c.ra < 0.9 THEN '邻近市' ELSE '' END AS area
) AS a
"""

# Abandoned calls: offered, then abandoned after a wait; no contact, no seat.
ABANDONED_SQL = """
INSERT INTO hotline_callevent (public_id, created_at, updated_at, organisation_id, call_ref,
  kind, occurred_at, waited_seconds, seat_id, contact_id, caller_area, is_local)
SELECT gen_random_uuid(), e.at, e.at, c.organisation_id, 'a' || c.id, e.kind, e.at, e.waited,
       NULL, NULL, '', NULL
FROM (
  SELECT id, organisation_id, started_at, 5 + floor(random() * 240)::int AS w
  FROM hotline_contact
  WHERE id BETWEEN %(lo)s AND %(hi)s AND channel = 'phone' AND random() < %(share)s
) AS c
CROSS JOIN LATERAL (VALUES
  ('offered', c.started_at - interval '7 minutes', NULL::int),
  ('abandoned', c.started_at - interval '7 minutes' + c.w * interval '1 second', c.w)
) AS e(kind, at, waited)
"""


def contacts_query(centres, end: date, days: int, lo: int, hi: int, total: int) -> sql.Composable:
    # width_bucket(r, [0, s1, s1+s2, …]) is the centre's 1-based index for r in [0, 1).
    thresholds, share = [], 0.0
    for centre in centres:
        thresholds.append(share)
        share += centre["share"]
    hours = [str(h) for h, w in enumerate(HOUR_WEIGHTS) for _ in range(w)]
    lists = {
        "hours": [int(h) for h in hours],
        "channels": weighted(CHANNELS),
        "types": weighted(TYPES),
        "risks": weighted(RISK),
        "outcomes": weighted(OUTCOMES),
        "genders": weighted(GENDER),
        "ages": weighted(AGE),
        "problems": problem_codes(),
        "interventions": intervention_codes(),
        "purposes": PURPOSES,
    }
    params: dict[str, sql.Composable] = {}
    for name, values in lists.items():
        cast = "::int[]" if name == "hours" else "::text[]"
        params[name] = sql.SQL("({}{})").format(array(values), sql.SQL(cast))
        params[f"n_{name}"] = sql.Literal(len(values))
    params.update(
        thresholds=array(thresholds),
        end_day=sql.Literal(end.isoformat()),
        days=sql.Literal(days),
        lo=sql.Literal(lo),
        hi=sql.Literal(hi),
        total=sql.Literal(total),
        org_ids=array(c["id"] for c in centres),
        couns_first=array(min(c["counsellors"]) for c in centres),
        couns_n=array(len(c["counsellors"]) for c in centres),
        seat_first=array(min(c["seats"]) for c in centres),
        seat_n=array(len(c["seats"]) for c in centres),
    )
    return sql.SQL(CONTACTS_SQL).format(**params)


def check_contiguous(centres) -> None:
    """Counsellor and seat ids are drawn as first id + offset: they must be contiguous."""
    for centre in centres:
        for key in ("counsellors", "seats"):
            ids = centre[key]
            if ids != list(range(ids[0], ids[0] + len(ids))):
                raise SystemExit(f"{key} of centre {centre['id']} are not contiguous ids")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument(
        "--end", type=date.fromisoformat, default=date.today() - timedelta(days=1), help="last day"
    )
    parser.add_argument("--batch", type=int, default=1_000_000)
    parser.add_argument("--no-call-events", action="store_true")
    parser.add_argument("--recreate", action="store_true", help="drop the database first")
    parser.add_argument("--json", type=Path, help="also write what was done to this file")
    args = parser.parse_args()
    if "5432/test" in args.url:
        raise SystemExit("refusing to fill the test suite's database")

    started = time.monotonic()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.monotonic()
        steps[name] = round(now - since, 1)
        log(f"{name}: {steps[name]} s")
        return now

    t = time.monotonic()
    ensure_database(args.url, args.recreate)
    migrate(args.url)
    t = step("create and migrate", t)
    days = (args.end - (args.end - timedelta(days=365 * args.years))).days
    with psycopg.connect(args.url, autocommit=True) as conn:
        centres = make_centres(conn)
        check_contiguous(centres)
        before = conn.execute("SELECT count(*) FROM hotline_contact").fetchone()[0]
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        # No foreign-key triggers during the load: the ids are drawn from existing rows.
        conn.execute("SET session_replication_role = replica")
        contact_indexes = SecondaryIndexes(conn, "hotline_contact")
        event_indexes = SecondaryIndexes(conn, "hotline_callevent")
        contact_indexes.drop()
        event_indexes.drop()
        t = step("set-up", t)
        done = 0
        while done < args.contacts:
            size = min(args.batch, args.contacts - done)
            first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM hotline_contact").fetchone()[
                0
            ]
            query = contacts_query(centres, args.end, days, done + 1, done + size, args.contacts)
            conn.execute(query)
            last = conn.execute("SELECT max(id) FROM hotline_contact").fetchone()[0]
            if not args.no_call_events:
                bounds = {"lo": first, "hi": last, "share": ABANDONED_SHARE}
                conn.execute(CALL_EVENTS_SQL, bounds)
                conn.execute(ABANDONED_SQL, bounds)
            done += size
            log(f"  {done:,} / {args.contacts:,} contacts")
        t = step("load contacts and call events", t)
        conn.execute("SET session_replication_role = origin")
        contact_indexes.build()
        event_indexes.build()
        t = step("build indexes", t)
        conn.execute("ANALYZE")
        t = step("analyze", t)
        facts = {
            "contacts": conn.execute("SELECT count(*) FROM hotline_contact").fetchone()[0],
            "contacts_before": before,
            "call_events": conn.execute("SELECT count(*) FROM hotline_callevent").fetchone()[0],
            "first_day": str(
                conn.execute("SELECT min(started_at) FROM hotline_contact").fetchone()[0]
            ),
            "last_day": str(
                conn.execute("SELECT max(started_at) FROM hotline_contact").fetchone()[0]
            ),
            "database_size": conn.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()[0],
            "centres": [c["id"] for c in centres],
        }
    result = {
        "url": args.url,
        "requested": args.contacts,
        "seconds": round(time.monotonic() - started, 1),
        "steps": steps,
        **facts,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
