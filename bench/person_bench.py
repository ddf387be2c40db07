#!/usr/bin/env python3
"""Issue 12 at scale: 1,000,000 persons and 3,000,000 contacts on PostgreSQL. Run by hand.

    .venv/bin/python bench/generate_contacts.py --url …/bench_persons --contacts 3000000 \
        --no-call-events --recreate                        # the contacts (about 3 minutes)
    .venv/bin/python bench/person_bench.py --prepare       # persons, files, follow-ups …
    .venv/bin/python bench/person_bench.py                 # measure

``--prepare`` adds, inside PostgreSQL (``INSERT … SELECT … generate_series``), ``--persons``
persons spread over the centres in proportion to their contacts, gives every contact a person
(a multiplicative hash of its id, so a person's contacts are spread over the three years), opens
a file for 30 % of the persons (status active, assigned to a counsellor, level 1–4, a status
entry), gives every file one done and one scheduled follow-up (due from 20 days ago to 70 days
ahead: about 22 % overdue), twenty directory institutions per centre and a referral for 5 % of
the files, then ``ANALYZE``.

Measured in one process through Django's test ``Client`` (the app's own middleware, views,
templates and audit writes), each interleaved with the bare floor endpoint
(``GET /bench/floor``, ``config/bench.py``) so that both see the same load:

1. opening a file: ``GET /cases/files/<id>/`` (the page: basic information, the first 50
   timeline items from every source, referrals, reports, duplicates; an audited view) and the
   API ``GET /api/v1/persons/<id>``, as the centre's supervisor, on files of the busiest
   persons (the most contacts) and on random files; target p95 ≤ 150 ms;
2. the centre's overdue list: ``GET /cases/follow-ups/?overdue=1`` as the largest centre's
   supervisor; target p95 ≤ 150 ms;
3. the daily sweep: ``do_escalate_overdue_follow_ups`` over every scheduled follow-up of every
   centre (each overdue one escalated with its audit event), then again (nothing left to do);
   target ≤ 30 s.

Prints a table; ``bench/results/persons-*.json`` keeps everything (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_persons"


def configure(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["XINYUAN_ENV"] = "development"
    os.environ["XINYUAN_BENCH"] = "1"  # mounts /bench/floor
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def defaults_insert(model, overrides: dict[str, str]) -> tuple[str, str]:
    """The column list and a SELECT list for ``model``: ``overrides`` (SQL expressions) for
    some columns, each other column its Django default as a literal."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            values.append(overrides[field.column])
            continue
        default = field.get_default()
        if field.null and default is None:
            values.append("NULL")
        elif isinstance(default, bool):
            values.append("true" if default else "false")
        elif isinstance(default, int):
            values.append(str(default))
        elif isinstance(default, (list, dict)):
            values.append(f"'{json.dumps(default)}'::jsonb")
        else:
            values.append("'" + str(default).replace("'", "''") + "'")
    return ", ".join(columns), ", ".join(values)


def prepare(args) -> dict:
    from django.db import connection

    from xinyuan.cases.models import FileEntry, FollowUp, Person, Referral
    from xinyuan.directory.models import Institution

    steps = {}
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SELECT count(*) FROM cases_person WHERE case_status <> ''")
        if cur.fetchone()[0]:
            raise SystemExit("files already there: regenerate the contacts first (--recreate)")
        cur.execute("SELECT count(*) FROM cases_person")
        persons_made = cur.fetchone()[0] > 0  # a run cut off after linking: go on from there
        cur.execute("SELECT organisation_id, count(*) FROM hotline_contact GROUP BY 1 ORDER BY 1")
        per_org = cur.fetchall()
        total = sum(n for _org, n in per_org)
        if not persons_made:
            t = time.monotonic()
            columns, values = defaults_insert(
                Person,
                {
                    "public_id": "gen_random_uuid()",
                    "created_at": "now()",
                    "updated_at": "now()",
                    "organisation_id": "%(org)s",
                    "label": "'B-' || lpad(g::text, 7, '0')",
                },
            )
            ranges = {}
            for org, n in per_org:
                persons = max(1, round(args.persons * n / total))
                cur.execute("SELECT coalesce(max(id), 0) FROM cases_person")
                first = cur.fetchone()[0] + 1
                cur.execute(
                    f"INSERT INTO cases_person ({columns}) SELECT {values} "  # noqa: S608
                    "FROM generate_series(%(lo)s, %(hi)s) AS g",
                    {"org": org, "lo": first, "hi": first + persons - 1},
                )
                ranges[org] = (first, persons)
            steps["persons"] = round(time.monotonic() - t, 1)
            log(f"persons: {steps['persons']} s")

            t = time.monotonic()
            for org, (first, persons) in ranges.items():
                # Knuth's multiplicative hash spreads a person's contacts over the years.
                cur.execute(
                    "UPDATE hotline_contact "
                    "SET person_id = %(first)s + ((id * 2654435761) %% %(n)s) "
                    "WHERE organisation_id = %(org)s",
                    {"first": first, "n": persons, "org": org},
                )
            cur.execute(
                "UPDATE cases_person p SET contact_count = s.n, last_contact_at = s.last "
                "FROM (SELECT person_id, count(*) AS n, max(started_at) AS last "
                "FROM hotline_contact GROUP BY person_id) s WHERE s.person_id = p.id"
            )
            steps["contacts linked"] = round(time.monotonic() - t, 1)
            log(f"contacts linked: {steps['contacts linked']} s")

        t = time.monotonic()
        # Files: 30 % of the persons, assigned to one of their centre's counsellors.
        cur.execute(
            """
            WITH staff AS (
                SELECT organisation_id, array_agg(id ORDER BY id) AS ids
                FROM accounts_user WHERE role = 'counsellor' GROUP BY organisation_id
            )
            UPDATE cases_person p SET case_status = 'active',
                file_opened_at = p.last_contact_at,
                intervention_level = 1 + (p.id % 4),
                population_categories = '["general_public"]'::jsonb,
                assigned_to_id = staff.ids[1 + (p.id % array_length(staff.ids, 1))]
            FROM staff WHERE staff.organisation_id = p.organisation_id AND p.id % 10 < 3
              AND p.last_contact_at IS NOT NULL
            """
        )
        columns, values = defaults_insert(
            FileEntry,
            {
                "public_id": "gen_random_uuid()",
                "created_at": "p.file_opened_at",
                "updated_at": "p.file_opened_at",
                "organisation_id": "p.organisation_id",
                "person_id": "p.id",
                "kind": "'status'",
                "status": "'open'",
                "by_id": "p.assigned_to_id",
                "at": "p.file_opened_at",
            },
        )
        cur.execute(
            f"INSERT INTO cases_fileentry ({columns}) SELECT {values} "  # noqa: S608
            "FROM cases_person p WHERE p.case_status <> ''"
        )
        steps["files"] = round(time.monotonic() - t, 1)
        log(f"files: {steps['files']} s")

        t = time.monotonic()
        # One done and one scheduled follow-up per file, on the person's latest contact.
        for status, due in (
            ("done", "c.started_at + interval '1 day'"),
            ("scheduled", "now() + ((p.id % 90) - 20) * interval '1 day'"),
        ):
            columns, values = defaults_insert(
                FollowUp,
                {
                    "public_id": "gen_random_uuid()",
                    "created_at": "c.started_at",
                    "updated_at": "c.started_at",
                    "organisation_id": "p.organisation_id",
                    "person_id": "p.id",
                    "contact_id": "c.id",
                    "assigned_to_id": "p.assigned_to_id",
                    "booked_by_id": "p.assigned_to_id",
                    "consent_given": "true",
                    "kind": "'schedule'",
                    "schedule_step": "1",
                    "due_at": due,
                    "status": f"'{status}'",
                    "done_at": due if status == "done" else "NULL",
                    "done_by_id": "p.assigned_to_id" if status == "done" else "NULL",
                },
            )
            cur.execute(
                f"INSERT INTO cases_followup ({columns}) SELECT {values} "  # noqa: S608
                "FROM cases_person p JOIN LATERAL (SELECT id, started_at FROM hotline_contact "
                "WHERE person_id = p.id ORDER BY started_at DESC LIMIT 1) c ON true "
                "WHERE p.case_status <> ''"
            )
        steps["follow-ups"] = round(time.monotonic() - t, 1)
        log(f"follow-ups: {steps['follow-ups']} s")

        t = time.monotonic()
        columns, values = defaults_insert(
            Institution,
            {
                "public_id": "gen_random_uuid()",
                "created_at": "now()",
                "updated_at": "now()",
                "organisation_id": "o.id",
                "name": "'基准合作机构 ' || g",
                "kind": "'psychiatric_hospital'",
                "phone": "'010-8200' || lpad(g::text, 4, '0')",
            },
        )
        cur.execute(
            f"INSERT INTO directory_institution ({columns}) SELECT {values} "  # noqa: S608
            "FROM accounts_organisation o CROSS JOIN generate_series(1, 20) g"
        )
        columns, values = defaults_insert(
            Referral,
            {
                "public_id": "gen_random_uuid()",
                "created_at": "p.file_opened_at",
                "updated_at": "p.file_opened_at",
                "organisation_id": "p.organisation_id",
                "person_id": "p.id",
                "institution_id": "(SELECT min(id) FROM directory_institution i "
                "WHERE i.organisation_id = p.organisation_id)",
                "reason": "'精神科评估'",
                "urgency": "'soon'",
                "consent_basis": "'consented'",
                "status": "'sent'",
                "sent_at": "p.file_opened_at",
                "created_by_id": "p.assigned_to_id",
            },
        )
        cur.execute(
            f"INSERT INTO cases_referral ({columns}) SELECT {values} "  # noqa: S608
            "FROM cases_person p WHERE p.case_status <> '' AND p.id % 20 = 0"
        )
        steps["referrals"] = round(time.monotonic() - t, 1)
        t = time.monotonic()
        cur.execute("ANALYZE")
        steps["analyze"] = round(time.monotonic() - t, 1)
        counts = {}
        for table in (
            "cases_person",
            "hotline_contact",
            "cases_followup",
            "cases_fileentry",
            "cases_referral",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_person WHERE case_status <> ''")
        counts["files"] = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM cases_followup WHERE status = 'scheduled' AND due_at < now()"
        )
        counts["overdue"] = cur.fetchone()[0]
    log(f"prepared: {counts}")
    return {"steps": steps, "counts": counts}


def measure(args) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.centre_bench import interleaved, load
    from xinyuan.accounts.models import Role, User
    from xinyuan.cases.actions.policy import do_escalate_overdue_follow_ups
    from xinyuan.cases.models import FollowUpEscalation, Person
    from xinyuan.hotline.models import Contact

    busiest_org = (
        Person.objects.exclude(case_status="")
        .values("organisation_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")[0]["organisation_id"]
    )
    supervisor = User.objects.filter(organisation_id=busiest_org, role=Role.SUPERVISOR).first()
    if supervisor is None:
        supervisor = User.objects.create(
            username=f"bench-supervisor-{busiest_org}",
            organisation_id=busiest_org,
            role=Role.SUPERVISOR,
            alias="督导",
        )
    files = Person.objects.filter(organisation_id=busiest_org).exclude(case_status="")
    heavy = list(files.order_by("-contact_count").values_list("public_id", flat=True)[:20])
    rng = random.Random(12)
    count = files.count()
    sample = [
        files.order_by("pk").values_list("public_id", flat=True)[rng.randrange(count)]
        for _ in range(40)
    ]
    contact_id = Contact.objects.filter(organisation_id=busiest_org).values_list(
        "public_id", flat=True
    )[:1][0]
    client = Client()
    client.force_login(supervisor)
    results: dict = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_start": load()},
        "centre": busiest_org,
        "files_in_centre": count,
        "heaviest_contacts": files.order_by("-contact_count").values_list(
            "contact_count", flat=True
        )[0],
    }

    def floor():
        assert client.get(f"/bench/floor?id={contact_id}").status_code == 200

    cycle = {"i": 0}

    def next_id(pool):
        cycle["i"] += 1
        return pool[cycle["i"] % len(pool)]

    def page(pool):
        def get():
            response = client.get(reverse("cases:file-detail", args=[next_id(pool)]))
            assert response.status_code == 200, response.status_code

        return get

    def api(pool):
        def get():
            response = client.get(f"/api/v1/persons/{next_id(pool)}")
            assert response.status_code == 200, response.status_code

        return get

    with CaptureQueriesContext(connection) as captured:
        page(heavy)()
    results["file_page_statements"] = len(captured.captured_queries)
    overdue_url = reverse("cases:follow-up-list") + "?overdue=1"
    with CaptureQueriesContext(connection) as captured:
        assert client.get(overdue_url).status_code == 200
    results["overdue_list_statements"] = len(captured.captured_queries)

    log("file pages and API …")
    results["file"] = interleaved(
        {
            "floor": floor,
            "page_heavy": page(heavy),
            "page_random": page(sample),
            "api_heavy": api(heavy),
            "api_random": api(sample),
        },
        repeat=args.repeat,
    )
    log("overdue list …")
    results["overdue_list"] = interleaved(
        {
            "floor": floor,
            "overdue_list": lambda: client.get(overdue_url),
        },
        repeat=args.repeat,
    )
    log("daily sweep …")
    if args.reset_escalations:
        FollowUpEscalation.objects.all().delete()
    before = load()
    t = time.monotonic()
    first = do_escalate_overdue_follow_ups()
    first_s = time.monotonic() - t
    t = time.monotonic()
    second = do_escalate_overdue_follow_ups()
    second_s = time.monotonic() - t
    results["sweep"] = {
        "first": {"seconds": round(first_s, 1), **first.as_dict()},
        "again": {"seconds": round(second_s, 2), **second.as_dict()},
        "load_before": before,
        "load_after": load(),
    }
    return results


def report(results: dict) -> None:
    print()
    print("| measurement | median ms | p95 ms | p95 / floor p95 |")
    print("|---|---|---|---|")
    for phase in ("file", "overdue_list"):
        floor = results[phase]["floor"]["p95_ms"]
        for name, values in results[phase].items():
            if not isinstance(values, dict):
                continue
            ratio = values["p95_ms"] / floor if floor else 0
            print(
                f"| {phase}: {name} | {values['median_ms']} | {values['p95_ms']} | {ratio:.1f}× |"
            )
    first, again = results["sweep"]["first"], results["sweep"]["again"]
    print(
        f"\nsweep: {first['overdue']:,} overdue escalated in {first['seconds']} s;"
        f" again: {again['overdue']} in {again['seconds']} s"
    )
    print(
        f"statements: file page {results['file_page_statements']}, overdue list "
        f"{results['overdue_list_statements']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument(
        "--reset-escalations",
        action="store_true",
        help="delete earlier runs' escalations first (their audit events stay)",
    )
    args = parser.parse_args()
    if "5432/test" in args.url:
        raise SystemExit("refusing to use the test suite's database")
    configure(args.url)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if args.prepare:
        results = prepare(args)
        (out / f"persons-prepare-{stamp}.json").write_text(json.dumps(results, indent=2))
        return
    results = measure(args)
    (out / f"persons-{stamp}.json").write_text(json.dumps(results, indent=2, default=str))
    report(results)


if __name__ == "__main__":
    main()
