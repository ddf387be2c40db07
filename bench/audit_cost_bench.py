#!/usr/bin/env python3
"""Cost of auditing (issue 3): the stage save and the file views with and without the audit
event, in one run. Run by hand, never in the test suite.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE xinyuan_bench_audit"   # or let it
    .venv/bin/python bench/audit_cost_bench.py --db postgres
    .venv/bin/python bench/audit_cost_bench.py --db sqlite

1. Prepares the database as the project's settings select it (DATABASE_URL for PostgreSQL,
   XINYUAN_DATA_DIR for the SQLite file): migrate, load_demo, generate_demo_data up to
   --contacts, and tops the audit chain up to --events (bench/audit_bench.py's ``top_up``:
   valid links and hashes), so that inserts and history reads meet a table of realistic size.
2. Measures in-process through Django's test Client, logged in as counsellor1:
   the floor (GET /bench/floor, as bench/run_bench.py), the stage save the workstation posts
   (POST /contacts/{id}/stages/3/, htmx, on open contacts of counsellor1), the contact page
   (GET /contacts/{id}/), the follow-up page that shows the caller's file
   (GET /cases/follow-ups/{id}/) and the API read (GET /api/v1/contacts/{id}).
   "With" and "without" the audit event alternate in batches of --batch requests (the order
   flips every round), so that machine drift hits both the same. The contact page, slow
   because of its change history, gets --contact-page-batch requests a round (fewer in all).
3. "Without" exists only inside this process: every module attribute that *is*
   ``xinyuan.audit.actions.record`` or ``do_record_view`` is replaced by a no-op for the batch,
   then restored. The audit rows written are counted after every batch: exactly one per audited
   request "with", none "without", or the run stops.
4. Times the parts of one audit event (chain-head lock, hash, insert, head update, commit),
   counts the queries of each request with and without, and verifies the chain at the end.
Prints a table; bench/results/audit-cost-*.json keeps everything.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from run_bench import code_version, loadavg, machine, percentile, summary

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/xinyuan_bench_audit"
DEFAULT_SQLITE_DIR = "/tmp/xinyuan-bench-audit-sqlite"
TARGET_PCT, TARGET_MS = 10.0, 5.0  # the audit adds at most 10 % and at most 5 ms at p95
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
VERSION_RE = re.compile(rb'id="contact-version" name="version" value="(\d+)"')
# Where the audited paths hold the functions: the switch must find at least these.
EXPECTED_SITES = {
    "xinyuan.hotline.actions.record",
    "xinyuan.hotline.views.do_record_view",
    "xinyuan.hotline.api.do_record_view",
    "xinyuan.cases.views.do_record_view",
}


# Preparing ------------------------------------------------------------------------------------


def manage(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def create_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)


def prepare(args) -> dict:
    """Migrate, load the demo centre, generate contacts, top the chain up; returns facts."""
    manage("migrate", "--noinput")
    manage("load_demo")
    import django

    django.setup()
    from django.db import connection

    from xinyuan.hotline.models import Contact

    out: dict = {}
    missing = args.contacts - Contact.objects.count()
    if missing > 0:
        connection.close()
        print(f"generating {missing:,} contacts …", flush=True)
        began = time.perf_counter()
        text = manage("generate_demo_data", "--contacts", str(missing), "--seed", str(args.seed))
        out["generated"] = {
            "contacts": missing,
            "seconds": round(time.perf_counter() - began, 1),
            "summary": text.strip().splitlines()[-1:],
        }
    from audit_bench import top_up  # after django.setup(): it sets Django up on import

    began = time.perf_counter()
    added = top_up(args.events)
    if added:
        out["audit_top_up"] = {"events": added, "seconds": round(time.perf_counter() - began, 1)}
    return out


def database_facts() -> dict:
    import django
    from django.db import connection

    from xinyuan.audit.models import AuditEvent
    from xinyuan.cases.models import FollowUp, Person
    from xinyuan.hotline.models import Contact

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select 'SQLite ' || sqlite_version()")
        else:
            cursor.execute("select 'PostgreSQL ' || current_setting('server_version')")
        version = cursor.fetchone()[0]
    return {
        "vendor": connection.vendor,
        "version": version,
        "django": django.get_version(),
        "contacts": Contact.objects.count(),
        "contacts_counsellor1": Contact.objects.filter(counsellor__username="counsellor1").count(),
        "persons": Person.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


# Switching the audit event off, in this process only --------------------------------------------


def audit_sites() -> list[tuple[str, str, object]]:
    """(module, attribute, original) for every loaded module attribute that *is* one of the
    two functions: ``from … import record`` copies the reference, so patching the audit module
    alone would leave the callers' copies in place."""
    from xinyuan.audit import actions

    originals = (actions.record, actions.do_record_view)
    sites = []
    for module_name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attribute, value in list(namespace.items()):
            if any(value is original for original in originals):
                sites.append((module_name, attribute, value))
    return sites


def _no_audit(*args, **kwargs) -> None:
    return None


@contextmanager
def audit_switched_off(sites):
    for module_name, attribute, _original in sites:
        setattr(sys.modules[module_name], attribute, _no_audit)
    try:
        yield
    finally:
        for module_name, attribute, original in sites:
            setattr(sys.modules[module_name], attribute, original)


# The requests -----------------------------------------------------------------------------


class Endpoints:
    """One callable per measured request; each checks its answer and returns nothing."""

    def __init__(self, client, counsellor, seed: int, open_count: int = 10, files: int = 20):
        from django.urls import reverse

        from xinyuan.cases.models import CallerIdentity, FollowUp
        from xinyuan.core.crypto import decrypt
        from xinyuan.hotline import actions
        from xinyuan.hotline.models import Contact, ContactStatus

        rng = random.Random(seed)
        self.client = client
        # Open contacts of counsellor1, started through the action with a known caller's
        # number (a repeated caller, as at the workstation); kept for later runs.
        open_contacts = list(
            Contact.objects.filter(
                counsellor=counsellor,
                status=ContactStatus.OPEN,
                external_call_id__startswith="bench-audit-cost-",
            ).order_by("pk")[:open_count]
        )
        identities = list(
            CallerIdentity.objects.filter(organisation_id=counsellor.organisation_id)
            .order_by("pk")
            .values_list("kind", "encrypted_value")[:open_count]
        )
        for index in range(len(open_contacts), open_count):
            kind, encrypted = identities[index % len(identities)]
            number = {"caller_number": decrypt(encrypted)} if kind == "phone" else {}
            open_contacts.append(
                actions.do_start_contact(
                    actor=counsellor,
                    channel="phone",
                    external_call_id=f"bench-audit-cost-{index}",
                    **number,
                )
            )
        self.stage_urls = [
            reverse("hotline:contact-stage-save", args=[c.public_id, 3]) for c in open_contacts
        ]
        self.versions = [c.version for c in open_contacts]
        self.open_ids = [c.pk for c in open_contacts]
        self.floor_urls = [f"/bench/floor?id={c.public_id}" for c in open_contacts]
        # Past contacts of counsellor1 with a known caller: the file a counsellor opens.
        past = list(
            Contact.objects.filter(counsellor=counsellor, person__isnull=False)
            .exclude(status=ContactStatus.OPEN)
            .order_by("pk")
            .values_list("public_id", flat=True)
        )
        chosen = rng.sample(past, min(files, len(past)))
        self.detail_urls = [reverse("hotline:contact-detail", args=[p]) for p in chosen]
        self.api_urls = [f"/api/v1/contacts/{p}" for p in chosen]
        follow_ups = list(
            FollowUp.objects.filter(assigned_to=counsellor, person__isnull=False)
            .order_by("pk")
            .values_list("public_id", flat=True)
        )
        chosen = rng.sample(follow_ups, min(files, len(follow_ups)))
        self.follow_up_urls = [reverse("cases:follow-up-record", args=[p]) for p in chosen]
        if not (self.detail_urls and self.follow_up_urls):
            sys.exit("no past contacts or follow-ups of counsellor1 with a caller: generate data")
        self.saves = 0
        self.stamp = datetime.now(UTC).strftime("%H%M%S")

    # name: (callable, audit events per request when audited)
    def table(self) -> dict:
        return {
            "floor": (self.floor, 0),
            "stage_save": (self.stage_save, 1),
            "contact_page": (self.contact_page, 1),
            "follow_up_page": (self.follow_up_page, 1),
            "api_read": (self.api_read, 1),
        }

    def _get(self, url: str) -> None:
        response = self.client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}")

    def floor(self, i: int) -> None:
        self._get(self.floor_urls[i % len(self.floor_urls)])

    def contact_page(self, i: int) -> None:
        self._get(self.detail_urls[i % len(self.detail_urls)])

    def follow_up_page(self, i: int) -> None:
        self._get(self.follow_up_urls[i % len(self.follow_up_urls)])

    def api_read(self, i: int) -> None:
        self._get(self.api_urls[i % len(self.api_urls)])

    def stage_save(self, i: int) -> None:
        """The autosave of stage 3 as htmx posts it: the stage's fields and the version."""
        k = i % len(self.stage_urls)
        self.saves += 1
        data = {
            "version": self.versions[k],
            "s3-problems": f"1. 长期失眠，入睡困难（{self.stamp} 第 {self.saves} 次保存）",
            "s3-goal": "今晚能安心入睡",
        }
        response = self.client.post(self.stage_urls[k], data, HTTP_HX_REQUEST="true")
        found = VERSION_RE.search(response.content)
        if response.status_code != 200 or b'data-testid="saved"' not in response.content:
            sys.exit(f"stage save answered {response.status_code}: {response.content[:300]!r}")
        self.versions[k] = int(found.group(1))


# Measuring --------------------------------------------------------------------------------


def audit_rows_since(sequence: int) -> int:
    from xinyuan.audit.models import AuditEvent

    return AuditEvent.objects.filter(id__gt=sequence).count()


def measure(args, endpoints: Endpoints, sites) -> tuple[dict, dict]:
    """Interleaved rounds; returns the latencies (s) by endpoint and variant, and checks."""
    from xinyuan.audit.models import AuditEvent

    table = endpoints.table()
    base = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    written = audit_rows_since(base)
    latencies = {name: {"with": [], "without": []} for name in table}
    checks = {name: {"with": 0, "without": 0} for name in table}
    # Each variant walks the same targets in the same order: contacts differ in cost (their
    # history), and a shared counter would give one variant some of them more often.
    calls = {name: {"with": 0, "without": 0} for name in table}
    rounds = -(-args.iterations // args.batch)
    began = time.monotonic()
    for round_ in range(rounds):
        order = ("with", "without") if round_ % 2 == 0 else ("without", "with")
        for variant in order:
            switch = audit_switched_off(sites) if variant == "without" else nullcontext()
            with switch:
                for name, (work, per_request) in table.items():
                    samples = latencies[name][variant]
                    batch = args.contact_page_batch if name == "contact_page" else args.batch
                    for _ in range(batch):
                        start = time.perf_counter()
                        work(calls[name][variant])
                        samples.append(time.perf_counter() - start)
                        calls[name][variant] += 1
                    now = audit_rows_since(base)
                    expected = per_request * batch if variant == "with" else 0
                    if now - written != expected:
                        sys.exit(
                            f"{name} {variant} the audit event: {now - written} audit rows "
                            f"written by {batch} requests, expected {expected}"
                        )
                    checks[name][variant] += now - written
                    written = now
        if (round_ + 1) % max(1, rounds // 10) == 0:
            elapsed = time.monotonic() - began
            print(f"  round {round_ + 1}/{rounds}, {elapsed:.0f} s, load {loadavg()}", flush=True)
    return latencies, checks


def bootstrap_added(with_: list[float], without: list[float], q: float, seed: int) -> list:
    """95 % interval of (with − without) at percentile q, in ms (1,000 resamples)."""
    rng = random.Random(seed)
    diffs = sorted(
        percentile(rng.choices(with_, k=len(with_)), q)
        - percentile(rng.choices(without, k=len(without)), q)
        for _ in range(1000)
    )
    return [round(diffs[24] * 1000, 2), round(diffs[974] * 1000, 2)]


def analyse(latencies: dict, seed: int) -> dict:
    floor_all = latencies["floor"]["with"] + latencies["floor"]["without"]
    floor = summary(floor_all)
    out = {}
    for name, variants in latencies.items():
        entry = {v: summary(samples) for v, samples in variants.items()}
        with_, without = entry["with"], entry["without"]
        for key in ("p50", "p95"):
            added = with_[f"{key}_ms"] - without[f"{key}_ms"]
            entry[f"added_{key}_ms"] = round(added, 2)
            entry[f"added_{key}_pct"] = round(100 * added / without[f"{key}_ms"], 1)
            entry[f"with_per_floor_{key}"] = round(with_[f"{key}_ms"] / floor[f"{key}_ms"], 2)
            entry[f"without_per_floor_{key}"] = round(without[f"{key}_ms"] / floor[f"{key}_ms"], 2)
        for q in (50, 95):
            entry[f"added_p{q}_ms_ci95"] = bootstrap_added(
                variants["with"], variants["without"], q, seed
            )
        if name != "floor":
            entry["target_met"] = (
                entry["added_p95_pct"] <= TARGET_PCT and entry["added_p95_ms"] <= TARGET_MS
            )
        out[name] = entry
    out["floor_pooled"] = floor
    return out


def query_profile(endpoints: Endpoints, sites) -> dict:
    """Every statement of one request of each kind, with and without, timed one by one."""
    from django.db import connection

    out: dict = {}
    for name, (work, _per_request) in endpoints.table().items():
        out[name] = {}
        for variant in ("with", "without"):
            statements: list[tuple[float, str]] = []

            def timer(execute, sql, params, many, context, statements=statements):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    statements.append((time.perf_counter() - start, sql))

            switch = audit_switched_off(sites) if variant == "without" else nullcontext()
            with switch, connection.execute_wrapper(timer):
                work(10_000)
            out[name][variant] = {
                "queries": len(statements),
                "sql_ms": round(sum(s for s, _ in statements) * 1000, 2),
                "statements": [
                    {"ms": round(s * 1000, 3), "sql": sql[:160]} for s, sql in statements
                ],
                "slowest": [
                    {"ms": round(s * 1000, 3), "sql": sql[:600]}
                    for s, sql in sorted(statements, key=lambda x: -x[0])[:3]
                ],
            }
    return out


def audit_parts(counsellor, contact_id: int, n: int) -> dict:
    """What one audit event costs, part by part: ``record()`` as do_record_view calls it, in
    its own transaction, with every statement timed (since issue 9 only the insert: the
    chain-head lock and update are gone, and hashing moved to the sealer), and the commit."""
    from django.db import connection, transaction

    from xinyuan.audit.actions import record
    from xinyuan.hotline.models import Contact

    contact = Contact.objects.get(pk=contact_id)
    parts: dict[str, list[float]] = {
        k: [] for k in ("lock_head", "insert", "update_head", "other_sql", "python", "begin_commit")
    }
    parts.update(transaction_total=[])
    current: list[tuple[str, float]] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            current.append((sql, time.perf_counter() - start))

    for i in range(n + 20):
        current.clear()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            with transaction.atomic():
                t0 = time.perf_counter()
                record(actor=counsellor, action="view", target=contact)
                t1 = time.perf_counter()
            end = time.perf_counter()
        if i < 20:  # warm-up
            continue
        sql_total = {"lock_head": 0.0, "insert": 0.0, "update_head": 0.0, "other_sql": 0.0}
        for sql, seconds in current:
            upper = sql.lstrip().upper()
            if "FOR UPDATE" in upper or (
                upper.startswith("SELECT") and "audit_auditchainhead" in sql
            ):
                sql_total["lock_head"] += seconds
            elif upper.startswith("INSERT") and "audit_auditevent" in sql:
                sql_total["insert"] += seconds
            elif upper.startswith("UPDATE") and "audit_auditchainhead" in sql:
                sql_total["update_head"] += seconds
            else:
                sql_total["other_sql"] += seconds
        for key, seconds in sql_total.items():
            parts[key].append(seconds)
        parts["python"].append((t1 - t0) - sum(sql_total.values()))
        parts["begin_commit"].append(end - start - (t1 - t0))
        parts["transaction_total"].append(end - start)
    return {
        key: {
            "p50_ms": round(percentile([x * 1000 for x in values], 50), 3),
            "p95_ms": round(percentile([x * 1000 for x in values], 95), 3),
        }
        for key, values in parts.items()
    } | {"events": n}


# Output ---------------------------------------------------------------------------------


LABELS = {
    "floor": "floor `GET /bench/floor`",
    "stage_save": "stage save `POST /contacts/{id}/stages/3/`",
    "contact_page": "contact page `GET /contacts/{id}/`",
    "follow_up_page": "follow-up page `GET /cases/follow-ups/{id}/`",
    "api_read": "API read `GET /api/v1/contacts/{id}`",
}


def print_table(out: dict) -> None:
    r = out["results"]
    print(
        f"\n{out['database']['version']}, {out['database']['contacts']:,} contacts, "
        f"{out['audit_rows_checked']['stage_save']['with']:,} requests per variant in "
        f"batches of {out['settings']['batch']} (contact page: "
        f"{out['audit_rows_checked']['contact_page']['with']:,} in batches of "
        f"{out['settings']['contact_page_batch']})"
    )
    print(
        "| request | n | without p50 / p95 ms | with p50 / p95 ms | added at p95 | "
        "95 % interval | with ÷ floor p50 / p95 | queries without → with | target met? |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, label in LABELS.items():
        e, q = r[name], out["queries"][name]
        met = "—" if name == "floor" else ("yes" if e["target_met"] else "**no**")
        print(
            f"| {label} | {e['with']['count']} "
            f"| {e['without']['p50_ms']} / {e['without']['p95_ms']} "
            f"| {e['with']['p50_ms']} / {e['with']['p95_ms']} "
            f"| {e['added_p95_ms']:+} ms ({e['added_p95_pct']:+} %) "
            f"| {e['added_p95_ms_ci95'][0]} … {e['added_p95_ms_ci95'][1]} ms "
            f"| {e['with_per_floor_p50']}× / {e['with_per_floor_p95']}× "
            f"| {q['without']['queries']} → {q['with']['queries']} | {met} |"
        )
    parts = out["audit_parts"]
    print("\nOne audit event, part by part (p50 / p95 ms):")
    for key, value in parts.items():
        if isinstance(value, dict):
            print(f"  {key:18} {value['p50_ms']:8.3f} / {value['p95_ms']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--database-url", default=DEFAULT_PG, help="for --db postgres")
    parser.add_argument("--sqlite-dir", default=DEFAULT_SQLITE_DIR, help="for --db sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000, help="audit chain length")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--iterations", type=int, default=1500, help="per request and variant (see --batch)"
    )
    parser.add_argument("--batch", type=int, default=10, help="requests before switching")
    parser.add_argument(
        "--contact-page-batch",
        type=int,
        default=3,
        help="the contact page's batch: it is the slowest request (its change history)",
    )
    parser.add_argument("--warm-up", type=int, default=30, help="per request and variant")
    parser.add_argument("--parts", type=int, default=500, help="audit events timed by part")
    args = parser.parse_args()

    for name in ("DATABASE_URL", "XINYUAN_DATA_DIR", "DEBUG", "XINYUAN_ENV"):
        os.environ.pop(name, None)
    os.environ.update(XINYUAN_BENCH="1", DJANGO_SETTINGS_MODULE="config.settings")
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.database_url
        os.environ["XINYUAN_DATA_DIR"] = "/tmp/xinyuan-bench-audit-pg-data"
        create_pg_database(args.database_url)
    else:
        os.environ["XINYUAN_DATA_DIR"] = args.sqlite_dir
    Path(os.environ["XINYUAN_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))

    out: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    out["machine"], out["code"] = machine(), code_version()
    out["settings"] = {k: v for k, v in vars(args).items() if k != "database_url"}
    print(f"[{args.db}] preparing …", flush=True)
    out["preparation"] = prepare(args)

    from django.test import Client

    from xinyuan.accounts.models import User
    from xinyuan.audit.verify import verify_chain

    out["database"] = database_facts()
    print(
        f"[{args.db}] {out['database']['version']}: {out['database']['contacts']:,} contacts, "
        f"{out['database']['audit_events']:,} audit events",
        flush=True,
    )
    counsellor = User.objects.get(username="counsellor1")
    client = Client(HTTP_USER_AGENT=USER_AGENT)
    client.force_login(counsellor)
    endpoints = Endpoints(client, counsellor, args.seed)

    print(f"[{args.db}] warm-up …", flush=True)
    for work, _per_request in endpoints.table().values():
        for i in range(args.warm_up):
            work(i)
    sites = audit_sites()
    names = {f"{module}.{attribute}" for module, attribute, _ in sites}
    if not EXPECTED_SITES <= names:
        sys.exit(f"the audit functions were not found in {EXPECTED_SITES - names}")
    out["switched_sites"] = sorted(names)
    with audit_switched_off(sites):  # the switch-off reaches every request …
        for work, _per_request in endpoints.table().values():
            for i in range(args.warm_up):
                work(i)
    if {f"{m}.{a}" for m, a, _ in audit_sites()} != names:  # … and is undone
        sys.exit("the audit functions were not all restored")

    print(f"[{args.db}] measuring, ~{args.iterations} per request and variant …", flush=True)
    out["loadavg_before"] = loadavg()
    began = time.monotonic()
    latencies, checks = measure(args, endpoints, sites)
    out["measure_seconds"] = round(time.monotonic() - began, 1)
    out["loadavg_after"] = loadavg()
    out["audit_rows_checked"] = checks
    out["results"] = analyse(latencies, args.seed)
    print(f"[{args.db}] queries per request …", flush=True)
    out["queries"] = query_profile(endpoints, sites)
    print(f"[{args.db}] one audit event, part by part …", flush=True)
    out["audit_parts"] = audit_parts(counsellor, endpoints.open_ids[0], args.parts)
    print(f"[{args.db}] sealing and verifying the log …", flush=True)
    from xinyuan.audit.sealing import seal_pending

    seal_pending()
    began = time.monotonic()
    verified = verify_chain()
    out["chain"] = {
        "ok": verified.ok,
        "events": verified.checked,
        "problem": verified.problem,
        "seconds": round(time.monotonic() - began, 1),
    }
    if not verified.ok:
        sys.exit(f"the audit log does not verify after the run: {verified.problem}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"audit-cost-{args.db}-{stamp}.json"
    raw = {
        name: {variant: [round(x * 1000, 3) for x in samples] for variant, samples in d.items()}
        for name, d in latencies.items()
    }
    path.write_text(json.dumps(out | {"raw_ms": raw}, indent=1, ensure_ascii=False))
    print_table(out)
    print(f"\nchain verified: {verified.checked:,} events; results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
