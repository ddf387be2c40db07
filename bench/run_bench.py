#!/usr/bin/env python3
"""Benchmarks at 1,000,000 contacts. Run by hand, never in the test suite (see bench/README.md).

    .venv/bin/python bench/run_bench.py --db sqlite
    .venv/bin/python bench/run_bench.py --db postgres

1. Prepares the database: migrate, load_demo, and generate_demo_data until --contacts exist.
2. Starts gunicorn (config.wsgi, --workers x --threads) on 127.0.0.1 and a free port, with
   XINYUAN_BENCH=1 so that GET /bench/floor exists (one indexed SELECT, tiny JSON).
3. Issues a bearer token for counsellor1 (manage.py create_api_token) and browser sessions.
4. Measures with --clients concurrent clients (threads, http.client, keep-alive, no think time):
   (a) the floor, GET /bench/floor; (b) saving one stage, PATCH /api/v1/contacts/{id} with
   {"version": v, "problems": ...}, each client on its own open contact of counsellor1, the
   floor and the stage save alternating in --rounds so that both see the same machine load;
   (c) the repeated-caller lookup in-process (find the caller by keyed hash, count their
   contacts in the last 7 days) over existing identities; (d) the filtered contact list page,
   GET /contacts/?date_from=&date_to=&risk_level=high (falls back to the API list on 404).
Every phase is bounded by --requests and --phase-seconds. Results: bench/results/*.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"  # requests go nowhere else
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/xinyuan_bench"
DEFAULT_SQLITE_DIR = "/tmp/xinyuan-bench-sqlite"
TARGETS = {"stage_p95_ms": 50, "stage_ratio": 2.0, "lookup_median_ms": 2, "list_p95_ms": 150}


# Statistics -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(latencies: list[float], errors: Counter | None = None, wall: float = 0.0) -> dict:
    ms = [x * 1000 for x in latencies]
    out = {"count": len(ms), "errors": dict(errors or {})}
    if ms:
        out.update(
            p50_ms=round(percentile(ms, 50), 2),
            p95_ms=round(percentile(ms, 95), 2),
            p99_ms=round(percentile(ms, 99), 2),
            mean_ms=round(statistics.fmean(ms), 2),
            max_ms=round(max(ms), 2),
        )
    if wall:
        out["wall_s"] = round(wall, 2)
        out["throughput_rps"] = round(len(ms) / wall, 1)
    return out


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


# HTTP load ------------------------------------------------------------------------------


def call(conn, method: str, path: str, headers: dict, body: bytes | None = None):
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def run_load(port: int, clients: int, total: int, seconds: float, work) -> dict:
    """``clients`` threads with their own keep-alive connection share ``total`` requests.

    ``work(client_index, conn)`` sends one request and returns its status; only 2xx answers
    count as latencies, anything else is counted as an error.
    """
    lock, issued, latencies, errors = threading.Lock(), [0], [], Counter()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = []
        while True:
            with lock:
                if issued[0] >= total or time.monotonic() > deadline:
                    break
                issued[0] += 1
            start = time.perf_counter()
            try:
                status = work(index, conn)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            elapsed = time.perf_counter() - start
            if isinstance(status, int) and 200 <= status < 300:
                mine.append(elapsed)
            else:
                with lock:
                    errors[str(status)] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = summary(latencies, errors, time.perf_counter() - started)
    result["raw"] = latencies
    return result


def merge(parts: list[dict]) -> dict:
    latencies = [x for part in parts for x in part["raw"]]
    errors: Counter = Counter()
    for part in parts:
        errors.update(part["errors"])
    merged = summary(latencies, errors, sum(part["wall_s"] for part in parts))
    merged["rounds"] = [{k: v for k, v in part.items() if k != "raw"} for part in parts]
    return merged


# Preparing and serving --------------------------------------------------------------------


def manage(env: dict, *args: str, log=None) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if log is not None:
        log.write(f"$ manage.py {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def inprocess(env: dict, *args: str, required: bool = True) -> dict:
    """Run a task of this script inside Django (same environment) and return its JSON."""
    result = subprocess.run(
        [str(VENV_BIN / "python"), str(Path(__file__).resolve()), "--inprocess", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode and required:
        sys.exit(f"in-process task {args} failed:\n{result.stdout}\n{result.stderr}")
    if result.returncode:
        print(f"  in-process task {args} failed: {result.stderr.strip()[-300:]}", flush=True)
        return {"error": result.stderr.strip()[-2000:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, workers: int, threads: int, log_path: Path):
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--error-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            status, _ = call(conn, "GET", "/healthz", {})
            conn.close()
            if status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.3)
    server.terminate()
    sys.exit(f"gunicorn did not start; see {log_path}")


def code_version() -> dict:
    """The commit and how many files differ from it (others may be editing): read-only git."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return result.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "changed_files": len(git("--no-optional-locks", "status", "--porcelain").splitlines()),
    }


def machine() -> dict:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory": memory,
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


# The benchmark ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--database-url", default=DEFAULT_PG, help="for --db postgres")
    parser.add_argument("--sqlite-dir", default=DEFAULT_SQLITE_DIR, help="for --db sqlite")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="floor and stage save")
    parser.add_argument("--list-requests", type=int, default=1000, help="per list measurement")
    parser.add_argument("--single", type=int, default=200, help="requests with one client")
    parser.add_argument("--rounds", type=int, default=4, help="floor/stage alternations")
    parser.add_argument("--phase-seconds", type=float, default=180, help="cap per phase")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XINYUAN_DATA_DIR")}
    env.update(XINYUAN_BENCH="1", DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
    env.pop("DEBUG", None)
    if args.db == "postgres":
        env["DATABASE_URL"] = args.database_url
        env["XINYUAN_DATA_DIR"] = "/tmp/xinyuan-bench-pg-data"
    else:
        env["XINYUAN_DATA_DIR"] = args.sqlite_dir
    Path(env["XINYUAN_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = (RESULTS / f"{args.db}-{stamp}.log").open("w")
    out: dict = {"db": args.db, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    out["machine"], out["code"] = machine(), code_version()
    out["settings"] = {k: v for k, v in vars(args).items() if k != "database_url"}

    print(f"[{args.db}] preparing the database …", flush=True)
    manage(env, "migrate", "--noinput", log=log)
    manage(env, "load_demo", log=log)
    info = inprocess(env, "info")
    missing = args.contacts - info["contacts"]
    if missing > 0:
        print(f"[{args.db}] generating {missing:,} contacts …", flush=True)
        started, load_before = time.monotonic(), loadavg()
        text = manage(
            env, "generate_demo_data", "--contacts", str(missing), "--seed", str(args.seed)
        )
        log.write(text)
        elapsed = time.monotonic() - started
        out["generation"] = {
            "contacts": missing,
            "seconds": round(elapsed, 1),
            "per_second": round(missing / elapsed),
            "loadavg_before": load_before,
            "loadavg_after": loadavg(),
            "summary": text.strip().splitlines()[-2:],
        }
        info = inprocess(env, "info")
    out["database"] = info
    print(f"[{args.db}] {info['contacts']:,} contacts; {info['version']}", flush=True)
    print(f"[{args.db}] repeated-caller lookup, in-process …", flush=True)
    lookup_result = inprocess(env, "lookup", str(args.lookups), str(args.seed), required=False)
    lookup_result["loadavg"] = loadavg()

    token = manage(env, "create_api_token", "counsellor1", "--name", "bench").strip()
    token = token.splitlines()[-1].strip()
    sessions = {u: inprocess(env, "session", u)["session"] for u in ("counsellor1", "supervisor1")}
    api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    port = free_port()
    server = start_server(
        env, port, args.workers, args.threads, RESULTS / f"gunicorn-{args.db}.log"
    )
    try:
        out["results"] = measure(args, port, api, sessions, out)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    out["results"]["lookup"] = lookup_result

    path = RESULTS / f"{args.db}-{stamp}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print_table(out)
    print(f"\nResults: {path.relative_to(ROOT)}")


def measure(args, port: int, api: dict, sessions: dict, out: dict) -> dict:
    results: dict = {}
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    contacts, versions = [], []
    for _ in range(args.clients):  # one open contact of counsellor1 per client
        body = json.dumps({"channel": "phone"}).encode()
        status, data = call(conn, "POST", "/api/v1/contacts", api, body)
        if status != 201:
            sys.exit(f"POST /api/v1/contacts answered {status}: {data[:300]!r}")
        created = json.loads(data)
        contacts.append(created["public_id"])
        versions.append(created["version"])
    saves = [0]

    def floor(index, conn):
        status, _ = call(conn, "GET", f"/bench/floor?id={contacts[index]}", {})
        return status

    def stage(index, conn):
        saves[0] += 1
        payload = {"version": versions[index], "problems": f"1. 长期失眠（保存 {saves[0]}）"}
        status, data = call(
            conn, "PATCH", f"/api/v1/contacts/{contacts[index]}", api, json.dumps(payload).encode()
        )
        if status == 200:
            versions[index] = json.loads(data)["version"]
        elif status == 409:
            versions[index] = json.loads(data)["current_version"]
        return status

    today = date.today()
    query = f"date_from={today - timedelta(days=365)}&date_to={today}&risk_level=high"
    list_path = f"/contacts/?{query}"
    status, page = call(conn, "GET", list_path, {"Cookie": f"sessionid={sessions['counsellor1']}"})
    if status not in (200, 404):
        sys.exit(f"GET {list_path} answered {status}")
    html = status == 200
    if not html:
        print("  /contacts/ answered 404: measuring the API list instead", flush=True)
    conn.close()

    def list_page(user):
        cookie = {"Cookie": f"sessionid={sessions[user]}"}

        def work(index, conn):
            status, body = call(conn, "GET", list_path, cookie)
            return status if b'name="date_from"' in body else f"{status} without the list"

        return work

    def api_list(index, conn):
        status, _ = call(conn, "GET", f"/api/v1/contacts?{query}&limit=50", api)
        return status

    clients, per = args.clients, max(1, args.requests // args.rounds)
    print(f"[{args.db}] warm-up …", flush=True)
    for work in (floor, stage, list_page("counsellor1") if html else api_list):
        run_load(port, clients, clients * 5, 60, work)

    floors, stages = [], []
    for round_ in range(args.rounds):
        print(f"[{args.db}] round {round_ + 1}/{args.rounds}: floor, stage save …", flush=True)
        floors.append(run_load(port, clients, per, args.phase_seconds / args.rounds, floor))
        floors[-1]["loadavg"] = loadavg()
        stages.append(run_load(port, clients, per, args.phase_seconds / args.rounds, stage))
        stages[-1]["loadavg"] = loadavg()
    results["floor"], results["stage_save"] = merge(floors), merge(stages)
    for key in ("p50_ms", "p95_ms"):
        ratio = results["stage_save"][key] / results["floor"][key]
        results["stage_save"][f"ratio_{key[:3]}"] = round(ratio, 2)

    phases = [("list_counsellor1", "page", list_page("counsellor1"))] if html else []
    phases += [("list_supervisor1", "page", list_page("supervisor1"))] if html else []
    phases.append(("list_api_counsellor1", "api", api_list))
    for name, kind, work in phases:
        print(f"[{args.db}] {name} …", flush=True)
        result = run_load(port, clients, args.list_requests, args.phase_seconds, work)
        result.pop("raw")
        result.update(path=list_path if kind == "page" else f"/api/v1/contacts?{query}&limit=50")
        result["loadavg"] = loadavg()
        results[name] = result
    results["list_measured"] = "page" if html else "api (the page answered 404)"

    # The same requests from one client at a time: the service time, without queueing.
    print(f"[{args.db}] one client at a time …", flush=True)
    single = [("floor", floor), ("stage_save", stage)]
    single += [(name, work) for name, _kind, work in phases]
    results["one_client"] = {}
    for name, work in single:
        result = run_load(port, 1, args.single, args.phase_seconds, work)
        result.pop("raw")
        result["loadavg"] = loadavg()
        results["one_client"][name] = result

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for public_id, version in zip(contacts, versions, strict=True):  # tidy up: close them
        body = json.dumps({"version": version, "status": "closed"}).encode()
        call(conn, "PATCH", f"/api/v1/contacts/{public_id}", api, body)
    conn.close()
    for part in (results["floor"], results["stage_save"]):
        part.pop("raw", None)
    return results


def print_table(out: dict) -> None:
    r, db = out["results"], out["db"]
    stage, lookup = r["stage_save"], r["lookup"]
    rows = [
        ("floor GET /bench/floor", r["floor"], "—"),
        ("stage save PATCH", stage, f"p95 ≤ {TARGETS['stage_p95_ms']} ms"),
    ]
    lists = [name for name in r if name.startswith("list_") and isinstance(r[name], dict)]
    rows += [(name, r[name], f"p95 ≤ {TARGETS['list_p95_ms']} ms") for name in lists]
    print(f"\n| {db} | n | errors | p50 ms | p95 ms | rps | target |")
    print("|---|---|---|---|---|---|---|")
    for name, part, target in rows:
        print(
            f"| {name} | {part['count']} | {sum(part['errors'].values())} | {part['p50_ms']} "
            f"| {part['p95_ms']} | {part.get('throughput_rps', '')} | {target} |"
        )
    print(f"| stage / floor ratio | | | {stage['ratio_p50']}× | {stage['ratio_p95']}× | | ≤ 2× |")
    if "error" not in lookup:
        print(
            f"| repeated-caller lookup (in-process) | {lookup['count']} | | {lookup['p50_ms']} "
            f"| {lookup['p95_ms']} | | median ≤ {TARGETS['lookup_median_ms']} ms |"
        )
    print(f"\n| {db}, one client at a time | n | errors | p50 ms | p95 ms | rps |")
    print("|---|---|---|---|---|---|")
    for name, part in r["one_client"].items():
        print(
            f"| {name} | {part['count']} | {sum(part['errors'].values())} | {part['p50_ms']} "
            f"| {part['p95_ms']} | {part['throughput_rps']} |"
        )


# In-process tasks (run by the script itself inside Django) -----------------------------


def task(name: str, *args: str) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from xinyuan.accounts.models import User

    if name == "info":
        from xinyuan.hotline.models import Contact

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("select 'SQLite ' || sqlite_version()")
            else:
                cursor.execute("show server_version")
            version = cursor.fetchone()[0]
        if connection.vendor == "postgresql":
            version = f"PostgreSQL {version}"
        return {
            "contacts": Contact.objects.count(),
            "contacts_counsellor1": Contact.objects.filter(
                counsellor__username="counsellor1"
            ).count(),
            "version": version,
            "django": django.get_version(),
        }
    if name == "session":
        from importlib import import_module

        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

        user = User.objects.get(username=args[0])
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return {"session": store.session_key}
    if name == "lookup":
        return lookup(int(args[0]), int(args[1]))
    raise SystemExit(f"unknown task {name}")


def lookup(count: int, seed: int) -> dict:
    """Time the path of HL-08 on existing callers: do_link_identity (keyed hash, indexed find)
    then count_recent_contacts over the 7-day window, as do_start_contact does."""
    import random
    from datetime import timedelta as td

    from django.conf import settings
    from django.utils import timezone

    from xinyuan.accounts.models import User
    from xinyuan.cases.actions import do_link_identity
    from xinyuan.cases.models import CallerIdentity, Person
    from xinyuan.cases.selectors import count_recent_contacts
    from xinyuan.core.crypto import decrypt

    ids = list(CallerIdentity.objects.values_list("pk", flat=True))
    chosen = random.Random(seed).choices(ids, k=count + 50)
    found = CallerIdentity.objects.select_related("organisation").in_bulk(set(chosen))
    values = [
        (found[i].organisation, found[i].kind, decrypt(found[i].encrypted_value)) for i in chosen
    ]
    actor = User.objects.get(username="counsellor1")
    persons_before = Person.objects.count()
    window = td(days=settings.REPEATED_CALLER_WINDOW_DAYS)
    totals, finds, counts, recent = [], [], [], []
    for index, (organisation, kind, value) in enumerate(values):
        start = time.perf_counter()
        identity = do_link_identity(actor=actor, organisation=organisation, kind=kind, value=value)
        middle = time.perf_counter()
        n = count_recent_contacts(person=identity.person, since=timezone.now() - window)
        end = time.perf_counter()
        if index >= 50:  # the first 50 warm the caches
            totals.append(end - start)
            finds.append(middle - start)
            counts.append(end - middle)
            recent.append(n)
    assert Person.objects.count() == persons_before, "a lookup created a person"
    result = summary(totals)
    result.update(
        identities=len(ids),
        find_p50_ms=round(percentile([x * 1000 for x in finds], 50), 3),
        count_p50_ms=round(percentile([x * 1000 for x in counts], 50), 3),
        max_recent_contacts=max(recent),
        p50_ms=round(percentile([x * 1000 for x in totals], 50), 3),
        p95_ms=round(percentile([x * 1000 for x in totals], 95), 3),
    )
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inprocess":
        print(json.dumps(task(*sys.argv[2:])))
    else:
        main()
