#!/usr/bin/env python3
"""What an audited API request costs against the floor (issue 9). Run by hand, never in the
test suite (see bench/README.md).

    .venv/bin/python bench/api_cost_bench.py --db postgres   # DATABASE_URL …/xinyuan_bench_api
    .venv/bin/python bench/api_cost_bench.py --db sqlite     # /tmp/xinyuan-bench-api-sqlite
    .venv/bin/python bench/api_cost_bench.py --db both

1. Prepares a fresh database (dropped and created again, or a new SQLite directory): migrate,
   load_demo, generate_demo_data up to --contacts, a bearer token for counsellor1
   (create_api_token) and a browser session for supervisor1.
2. Serves it as ``make run`` does: gunicorn (config.wsgi, gthread, --threads 4) with
   XINYUAN_BENCH=1 so that GET /bench/floor exists (one indexed SELECT through the same
   middleware, tiny JSON: config/bench.py), and the audit sealer beside it
   (``seal_audit --loop 2``), once with each --workers count.
3. Server CPU per request: one client (a keep-alive connection, no think time) sends
   --cpu-requests of each kind in turn, the order rotating every round (--rounds), and the CPU
   time of the gunicorn processes (utime+stime from /proc), of PostgreSQL's processes and of the
   sealer is read before and after each batch. The kinds:
     floor   GET  /bench/floor?id=…
     read    GET  /api/v1/contacts/{id}                    (audited read)
     update  PATCH /api/v1/contacts/{id} {"version": v, "problems": …}   (a stage save)
     create  POST /api/v1/contacts {"channel": "phone", "seat": "A01", "caller_number": …}
     poll    GET  /alerts/panel/?seen=<fingerprint>        (a supervisor page's poll: 204)
4. Throughput: --clients concurrent keep-alive connections (asyncio, raw HTTP/1.1: the client
   costs little of the two cores it shares with the server) for --seconds per kind, the kinds
   interleaved over --throughput-rounds. Each client updates its own contact.
Prints a table; bench/results/api-cost-*.json keeps everything (with the load average, the
machine and the commit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import (  # noqa: E402 - the bench folder is not a package
    HOST,
    VENV_BIN,
    code_version,
    free_port,
    inprocess,
    loadavg,
    machine,
    manage,
    start_server,
    summary,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/xinyuan_bench_api"
DEFAULT_SQLITE_DIR = "/tmp/xinyuan-bench-api-sqlite"
KINDS = ("floor", "read", "update", "create", "poll")
# Issue 9: server CPU per request as a ratio to the floor; throughput at 8 clients (req/s).
CPU_TARGETS = {"read": 2.0, "update": 2.5, "create": 3.0, "poll": 1.0}
RPS_TARGETS = {"read": 1405 / 3, "update": 679 / 2, "create": 184}
TICK = os.sysconf("SC_CLK_TCK")
FINGERPRINT = re.compile(rb'data-fingerprint="([^"]*)"')
VERSION = re.compile(rb'"version":\s*(\d+)')


# CPU accounting ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads included (dead ones too)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def tree(pid: int) -> list[int]:
    """A process and its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(x) for x in (task / "children").read_text().split())
            except OSError:  # the thread ended while we looked: it has no children to count
                continue
    return found


def postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


class Meter:
    """CPU seconds of the app server, the database server and the sealer, as a snapshot."""

    def __init__(self, server_pid: int, sealer_pid: int | None, db: str):
        self.server_pid, self.sealer_pid, self.db = server_pid, sealer_pid, db

    def snapshot(self) -> dict:
        return {
            "app": sum(cpu_seconds(p) for p in tree(self.server_pid)),
            "db": sum(cpu_seconds(p) for p in postgres_pids()) if self.db == "postgres" else 0.0,
            "sealer": cpu_seconds(self.sealer_pid) if self.sealer_pid else 0.0,
            "client": sum(os.times()[:2]),
            "wall": time.perf_counter(),
        }

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        return {k: after[k] - before[k] for k in before}


# A small keep-alive HTTP/1.1 client --------------------------------------------------------


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def raw_request(method: str, path: str, headers: dict, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Work:
    """The five kinds of request; each client updates and reads its own open contact."""

    def __init__(self, token: str, session: str, contacts: list[dict], seed: int):
        self.api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.cookie = {"Cookie": f"sessionid={session}", "HX-Request": "true"}
        self.contacts = contacts  # [{"id": …, "version": …}]
        self.random = random.Random(seed)
        self.fingerprint = ""
        self.changed_polls = 0
        self.counter = 0

    def build(self, kind: str, client: int) -> bytes:
        contact = self.contacts[client]
        if kind == "floor":
            return raw_request("GET", f"/bench/floor?id={contact['id']}", {})
        if kind == "read":
            return raw_request("GET", f"/api/v1/contacts/{contact['id']}", self.api)
        if kind == "update":
            self.counter += 1
            body = {"version": contact["version"], "problems": f"失眠，情绪低落 {self.counter}"}
            return raw_request(
                "PATCH",
                f"/api/v1/contacts/{contact['id']}",
                self.api,
                json.dumps(body, ensure_ascii=False).encode(),
            )
        if kind == "create":
            number = f"138{self.random.randrange(2000):08d}"  # some callers call again
            body = {"channel": "phone", "seat": "A01", "caller_number": number}
            return raw_request("POST", "/api/v1/contacts", self.api, json.dumps(body).encode())
        if kind == "poll":
            return raw_request("GET", f"/alerts/panel/?seen={self.fingerprint}", self.cookie)
        raise ValueError(kind)

    def answered(self, kind: str, client: int, status: int, body: bytes) -> None:
        if kind == "update" and status == 200:
            match = VERSION.search(body)
            if match:
                self.contacts[client]["version"] = int(match.group(1))
        elif kind == "poll" and status == 200:
            self.changed_polls += 1
            match = FINGERPRINT.search(body)
            if match:
                self.fingerprint = match.group(1).decode()


async def drive(port: int, work: Work, kind: str, clients: int, requests: int, seconds: float):
    """``clients`` connections share ``requests`` requests (or stop after ``seconds``)."""
    issued, latencies, errors = [0], [], Counter()
    deadline = time.monotonic() + seconds

    async def client(index: int) -> None:
        conn = Connection(port)
        while issued[0] < requests and time.monotonic() < deadline:
            issued[0] += 1
            raw = work.build(kind, index)
            start = time.perf_counter()
            try:
                status, body = await conn.request(raw)
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] += 1
                conn.close()
                continue
            elapsed = time.perf_counter() - start
            work.answered(kind, index, status, body)
            if 200 <= status < 300:
                latencies.append(elapsed)
            else:
                errors[str(status)] += 1
        conn.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, errors


def run(port, work, kind, clients, requests, seconds):
    return asyncio.run(drive(port, work, kind, clients, requests, seconds))


# Preparing --------------------------------------------------------------------------------


def fresh_database(args, env: dict) -> None:
    if args.db == "postgres":
        import psycopg

        name = args.database_url.rsplit("/", 1)[1].split("?")[0]
        server = args.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        shutil.rmtree(args.sqlite_dir, ignore_errors=True)
    shutil.rmtree(env["XINYUAN_DATA_DIR"], ignore_errors=True)
    Path(env["XINYUAN_DATA_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)


def open_contacts(port: int, token: str, count: int) -> list[dict]:
    async def go():
        conn, made = Connection(port), []
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for _ in range(count):
            body = json.dumps({"channel": "phone", "seat": "A01"}).encode()
            status, answer = await conn.request(
                raw_request("POST", "/api/v1/contacts", headers, body)
            )
            if status != 201:
                sys.exit(f"could not open a contact: {status} {answer[:300]!r}")
            data = json.loads(answer)
            made.append({"id": data["public_id"], "version": data["version"]})
        conn.close()
        return made

    return asyncio.run(go())


def first_fingerprint(port: int, session: str) -> str:
    async def go():
        conn = Connection(port)
        status, body = await conn.request(
            raw_request("GET", "/alerts/panel/", {"Cookie": f"sessionid={session}"})
        )
        conn.close()
        match = FINGERPRINT.search(body)
        if status != 200 or not match:
            sys.exit(f"the alert panel did not answer as expected: {status} {body[:300]!r}")
        return match.group(1).decode()

    return asyncio.run(go())


# Measuring --------------------------------------------------------------------------------


def measure_cpu(args, port: int, work: Work, meter: Meter) -> dict:
    per_kind: dict[str, dict] = {k: {"requests": 0, "latencies": []} for k in KINDS}
    sums = {k: Counter() for k in KINDS}
    errors = {k: Counter() for k in KINDS}
    order = list(KINDS)
    for round_no in range(args.rounds):
        for kind in order:
            before = meter.snapshot()
            latencies, errs = run(port, work, kind, 1, args.cpu_requests, 600)
            spent = Meter.delta(before, meter.snapshot())
            sums[kind].update(spent)
            per_kind[kind]["requests"] += len(latencies) + sum(errs.values())
            per_kind[kind]["latencies"].extend(latencies)
            errors[kind].update(errs)
        print(f"    CPU round {round_no + 1}/{args.rounds} done (load {loadavg()})", flush=True)
        order = order[1:] + order[:1]
    out = {}
    for kind in KINDS:
        n = per_kind[kind]["requests"] or 1
        out[kind] = {
            "requests": per_kind[kind]["requests"],
            "app_cpu_ms": round(sums[kind]["app"] / n * 1000, 3),
            "db_cpu_ms": round(sums[kind]["db"] / n * 1000, 3),
            "sealer_cpu_ms": round(sums[kind]["sealer"] / n * 1000, 3),
            "client_cpu_ms": round(sums[kind]["client"] / n * 1000, 3),
            "latency": summary(per_kind[kind]["latencies"], errors[kind]),
        }
    floor = out["floor"]
    for kind in KINDS:
        for part in ("app", "db"):
            base = floor[f"{part}_cpu_ms"]
            value = out[kind][f"{part}_cpu_ms"]
            out[kind][f"{part}_ratio"] = round(value / base, 2) if base else None
        both = out[kind]["app_cpu_ms"] + out[kind]["db_cpu_ms"] + out[kind]["sealer_cpu_ms"]
        base = floor["app_cpu_ms"] + floor["db_cpu_ms"] + floor["sealer_cpu_ms"]
        out[kind]["all_cpu_ms"] = round(both, 3)
        out[kind]["all_ratio"] = round(both / base, 2) if base else None
    return out


def measure_throughput(args, port: int, work: Work, meter: Meter) -> dict:
    parts: dict[str, list] = {k: [] for k in KINDS}
    for round_no in range(args.throughput_rounds):
        order = list(KINDS) if round_no % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            load = loadavg()
            before = meter.snapshot()
            latencies, errors = run(port, work, kind, args.clients, 10**9, args.seconds)
            spent = Meter.delta(before, meter.snapshot())
            parts[kind].append((latencies, errors, spent, load))
        print(f"    throughput round {round_no + 1}/{args.throughput_rounds} done", flush=True)
    out = {}
    for kind in KINDS:
        latencies = [x for part in parts[kind] for x in part[0]]
        errors: Counter = Counter()
        spent: Counter = Counter()
        for _lat, errs, used, _load in parts[kind]:
            errors.update(errs)
            spent.update(used)
        result = summary(latencies, errors, spent["wall"])
        n = len(latencies) + sum(errors.values()) or 1
        result["app_cpu_ms"] = round(spent["app"] / n * 1000, 3)
        result["db_cpu_ms"] = round(spent["db"] / n * 1000, 3)
        result["client_cpu_share"] = round(spent["client"] / spent["wall"] / 2, 3)
        result["loadavg"] = [part[3] for part in parts[kind]]
        out[kind] = result
    return out


def bench_one(args, env: dict, token: str, session: str, workers: int) -> dict:
    port = free_port()
    log = RESULTS / f"api-cost-gunicorn-{args.db}-{workers}.log"
    server = start_server(env, port, workers, args.threads, log)
    sealer = subprocess.Popen(
        [str(VENV_BIN / "python"), "manage.py", "seal_audit", "--loop", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(RESULTS / f"api-cost-sealer-{args.db}.log").open("w"),
    )
    try:
        contacts = open_contacts(port, token, args.clients)
        work = Work(token, session, contacts, args.seed)
        work.fingerprint = first_fingerprint(port, session)
        meter = Meter(server.pid, sealer.pid, args.db)
        for kind in KINDS:  # warm every worker's imports and caches
            run(port, work, kind, 2 * workers, 40 * workers, 60)
        work.changed_polls = 0
        print(f"  [{args.db}, {workers} worker(s)] server CPU per request …", flush=True)
        cpu = measure_cpu(args, port, work, meter)
        print(f"  [{args.db}, {workers} worker(s)] throughput, {args.clients} clients …")
        throughput = measure_throughput(args, port, work, meter)
        return {
            "workers": workers,
            "threads": args.threads,
            "cpu": cpu,
            "throughput": throughput,
            "polls_that_changed": work.changed_polls,
        }
    finally:
        sealer.terminate()
        server.terminate()
        for process in (sealer, server):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def bench_db(args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XINYUAN_DATA_DIR")}
    env.update(XINYUAN_BENCH="1", DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
    env.pop("DEBUG", None)
    if args.db == "postgres":
        env["DATABASE_URL"] = args.database_url
        env["XINYUAN_DATA_DIR"] = "/tmp/xinyuan-bench-api-pg-data"
    else:
        env["XINYUAN_DATA_DIR"] = args.sqlite_dir
    out: dict = {"db": args.db, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    out["machine"], out["code"] = machine(), code_version()
    out["settings"] = {k: v for k, v in vars(args).items() if k != "database_url"}
    print(f"[{args.db}] preparing a fresh database …", flush=True)
    fresh_database(args, env)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    if args.contacts:
        manage(env, "generate_demo_data", "--contacts", str(args.contacts), "--seed", "1")
    manage(env, "seal_audit")
    out["database"] = inprocess(env, "info")
    token = manage(env, "create_api_token", "counsellor1", "--name", "bench").strip()
    token = token.splitlines()[-1].strip()
    session = inprocess(env, "session", "supervisor1")["session"]
    out["runs"] = [
        bench_one(args, env, token, session, int(w)) for w in args.workers.split(",") if w
    ]
    return out


def print_table(out: dict) -> None:
    print(f"\n{out['db']}: {out['database'].get('contacts', '?'):,} contacts; {out['code']}")
    for run_ in out["runs"]:
        print(f"  {run_['workers']} worker(s) × {run_['threads']} threads")
        print(
            f"    {'kind':8}{'app ms':>9}{'ratio':>7}{'db ms':>8}{'all ratio':>10}"
            f"{'p50 ms':>8}{'req/s@' + str(out['settings']['clients']):>10}{'p95 ms':>8}"
            f"{'target':>16}  errors"
        )
        for kind in KINDS:
            cpu, thr = run_["cpu"][kind], run_["throughput"][kind]
            target = []
            if kind in CPU_TARGETS:
                target.append(f"≤{CPU_TARGETS[kind]}×")
            if kind in RPS_TARGETS:
                target.append(f"≥{RPS_TARGETS[kind]:.0f}/s")
            errors = {**cpu["latency"]["errors"], **thr["errors"]}
            print(
                f"    {kind:8}{cpu['app_cpu_ms']:>9.2f}{cpu['app_ratio'] or 0:>7.2f}"
                f"{cpu['db_cpu_ms']:>8.2f}{cpu['all_ratio'] or 0:>10.2f}"
                f"{cpu['latency'].get('p50_ms', 0):>8.2f}{thr.get('throughput_rps', 0):>10.1f}"
                f"{thr.get('p95_ms', 0):>8.1f}{' '.join(target):>16}  {errors or ''}"
            )
        print(f"    polls that found a change: {run_['polls_that_changed']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], required=True)
    parser.add_argument("--database-url", default=DEFAULT_PG, help="for PostgreSQL")
    parser.add_argument("--sqlite-dir", default=DEFAULT_SQLITE_DIR, help="for SQLite")
    parser.add_argument("--contacts", type=int, default=20_000, help="generated beforehand")
    parser.add_argument("--workers", default="1,2", help="gunicorn worker counts, in turn")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--cpu-requests", type=int, default=300, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=4, help="CPU rounds (order rotates)")
    parser.add_argument("--clients", type=int, default=8, help="throughput clients")
    parser.add_argument("--seconds", type=float, default=15, help="throughput, per kind/round")
    parser.add_argument("--throughput-rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for db in ("postgres", "sqlite") if args.db == "both" else (args.db,):
        args.db = db
        out = bench_db(args)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS / f"api-cost-{db}-{stamp}.json"
        path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
        print_table(out)
        print(f"Results: {path.relative_to(ROOT)}\n", flush=True)


if __name__ == "__main__":
    main()
