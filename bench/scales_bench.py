#!/usr/bin/env python3
"""Self-assessment benchmarks (issue 4). Run by hand, never in the test suite.

    .venv/bin/python bench/scales_bench.py --db sqlite
    .venv/bin/python bench/scales_bench.py --db postgres
    .venv/bin/python bench/scales_bench.py --only-scoring     # part 1 alone, no database

1. Scoring in-process, one process pinned to one core: for each shipped scale, --vectors
   seeded random valid answer vectors, then ``Compiled.problems(a)`` (the validation of a
   submitted response) and ``Compiled.score(a)`` for each; the floor is the same loop with two
   trivial calls (``_no_problems(a)`` and ``sum(a)``). Target: ≥ 50,000 responses/s.
2. Submitting a completed PHQ-9 over HTTP: a fresh database (migrate + load_demo), gunicorn as
   bench/run_bench.py starts it (XINYUAN_BENCH=1, so GET /bench/floor exists), --clients
   concurrent clients, each a thread with its own keep-alive connection and cookie session.
   Each client loops: GET /s/phq9/ (CSRF token), POST consent, POST answers 1–8 (not
   measured), then the measured request: POST the 9th answer (scores, inserts the result and
   its audit event, maybe an urgent task and its audit event; 302 to /s/result/<uuid>/). About
   --urgent-share of the tests answer item 9 above 0. The floor, GET /bench/floor, is measured
   with the same clients in alternating rounds. Target: p95 ≤ 60 ms; ratios to the floor.
   Afterwards: the new SelfAssessment rows are exactly the measured submissions (same public
   ids, once each), the urgent tasks and audit events match, no 5xx, the audit chain verifies.
Results: bench/results/scales-*.json (git-ignored) and a table on stdout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import (  # noqa: E402  (the helpers of the issue-2 benchmark)
    HOST,
    ROOT,
    VENV_BIN,
    code_version,
    free_port,
    loadavg,
    machine,
    manage,
    merge,
    percentile,
    run_load,
    start_server,
    summary,
)

RESULTS = ROOT / "bench" / "results"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/xinyuan_bench_scales"
DEFAULT_SQLITE_DIR = "/tmp/xinyuan-bench-scales-sqlite"
SCALE = "phq9"
TARGETS = {"scoring_per_s": 50_000, "submit_p95_ms": 60}
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
RESULT_PATH = re.compile(r"/s/result/([0-9a-f-]{36})/$")


# Waiting for the machine --------------------------------------------------------------------


def others_running(pattern: str) -> list[str]:
    """Processes matching ``pattern`` (pgrep -f), not counting this one or its parent."""
    found = subprocess.run(["pgrep", "-fa", pattern], capture_output=True, text=True).stdout
    mine = {os.getpid(), os.getppid()}
    return [line for line in found.splitlines() if int(line.split()[0]) not in mine]


def cpu_snapshot() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, name, CPU seconds so far, all threads) for every process."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick)
    return found


def cpu_usage(before: dict, after: dict, wall: float, server_pid: int | None = None) -> dict:
    """Cores used during ``wall`` seconds: by this load generator, the server (gunicorn and
    its workers), PostgreSQL (all its processes) and anything else (the busiest named)."""
    mine = os.getpid()

    def under(pid: int, root: int | None) -> bool:
        while root is not None and pid > 1 and pid in after:
            if pid == root:
                return True
            pid = after[pid][0]
        return False

    groups: Counter = Counter()
    others: Counter = Counter()
    for pid, (_ppid, name, cpu) in after.items():
        used = cpu - (before[pid][2] if pid in before else 0.0)
        if used <= 0:
            continue
        if pid == mine:
            groups["load_generator"] += used
        elif under(pid, server_pid):
            groups["server"] += used
        elif under(pid, mine):
            groups["load_generator"] += used
        elif name.startswith("postgres"):
            groups["postgres"] += used
        else:
            groups["others"] += used
            others[f"{pid} {name}"] += used
    out = {k: round(v / wall, 2) for k, v in groups.items()}
    out["busiest_others"] = {k: round(v / wall, 2) for k, v in others.most_common(3)}
    return out


def others_busy(seconds: float = 5) -> dict:
    """Cores that other processes (PostgreSQL included) use, sampled over ``seconds``."""
    before, start = cpu_snapshot(), time.monotonic()
    time.sleep(seconds)
    usage = cpu_usage(before, cpu_snapshot(), time.monotonic() - start)
    usage["total_others"] = round(usage.get("others", 0) + usage.get("postgres", 0), 2)
    return usage


def wait_for_quiet(pattern: str, minutes: float, cores: float, poll: float = 30) -> dict:
    """Wait until no process matches ``pattern`` and the others use under ``cores``."""
    started = time.monotonic()
    deadline = started + minutes * 60
    while True:
        running = others_running(pattern) if pattern else []
        busy = others_busy() if not running else {}
        quiet = not running and busy["total_others"] < cores
        if quiet or time.monotonic() >= deadline:
            break
        what = running[0][:100] if running else f"other processes use {busy}"
        print(f"  waiting: {what} …", flush=True)
        time.sleep(poll)
    waited = round(time.monotonic() - started)
    if not quiet:
        print(f"  still busy after {waited} s: measuring anyway", flush=True)
    return {"pattern": pattern, "waited_s": waited, "still_running": running, "others": busy}


# In-process tasks (run by this script in a subprocess) ---------------------------------------


def inprocess(env: dict, *args: str) -> dict:
    result = subprocess.run(
        [str(VENV_BIN / "python"), str(Path(__file__).resolve()), "--inprocess", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"in-process task {args} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return django


def _no_problems(answers) -> tuple:
    return ()


def _loop(vectors, check, work) -> float:
    """The timed loop: the same shape for the scoring and for the floor."""
    start = time.perf_counter()
    for answers in vectors:
        if check(answers):
            raise AssertionError(f"a generated vector is invalid: {answers}")
        work(answers)
    return time.perf_counter() - start


def task_scoring(count: int, repeats: int, seed: int, cpu: int) -> dict:
    """Part 1: responses/s per shipped scale, single-threaded, pinned to one core."""
    import gc

    try:
        os.sched_setaffinity(0, {cpu})
        pinned = cpu
    except (AttributeError, OSError):
        pinned = None
    _django()
    from xinyuan.assessments.registry import BUILTIN_DIR, load_all

    scales, errors = load_all([BUILTIN_DIR])
    if errors:
        raise SystemExit(f"shipped scale files with problems: {errors}")
    rng = random.Random(seed)
    out: dict = {"vectors_per_scale": count, "repeats": repeats, "pinned_cpu": pinned}
    per_scale = {}
    for code, compiled in sorted(scales.items()):
        choices = compiled.sorted_allowed
        vectors = [[rng.choice(values) for values in choices] for _ in range(count)]
        # Once untimed: warms the code paths and counts what the answers produced.
        flagged = severe = 0
        for answers in vectors[:20_000]:
            result = compiled.score(answers)
            flagged += bool(result.flags)
            severe += result.most_severe
        gc.collect()
        scoring, floor = [], []
        for _ in range(repeats):  # alternate so that both see the same machine state
            floor.append(_loop(vectors, _no_problems, sum))
            scoring.append(_loop(vectors, compiled.problems, compiled.score))
        scoring_s, floor_s = statistics.median(scoring), statistics.median(floor)
        per_scale[code] = {
            "items": compiled.n,
            "subscales": len(compiled.subscales),
            "critical_items": len(compiled.critical),
            "responses": count,
            "scoring_s": round(scoring_s, 4),
            "scoring_runs_s": [round(x, 4) for x in scoring],
            "per_s": round(count / scoring_s),
            "us_per_response": round(scoring_s / count * 1e6, 3),
            "floor_s": round(floor_s, 4),
            "floor_runs_s": [round(x, 4) for x in floor],
            "floor_per_s": round(count / floor_s),
            "ratio": round(scoring_s / floor_s, 2),
            "share_flagged": round(flagged / min(count, 20_000), 3),
            "share_most_severe": round(severe / min(count, 20_000), 3),
        }
        del vectors
        gc.collect()
    responses = sum(s["responses"] for s in per_scale.values())
    scoring_total = sum(s["scoring_s"] for s in per_scale.values())
    floor_total = sum(s["floor_s"] for s in per_scale.values())
    out["scales"] = per_scale
    out["overall"] = {
        "responses": responses,
        "scoring_s": round(scoring_total, 3),
        "per_s": round(responses / scoring_total),
        "floor_s": round(floor_total, 3),
        "floor_per_s": round(responses / floor_total),
        "ratio": round(scoring_total / floor_total, 2),
        "slowest_scale_per_s": min(s["per_s"] for s in per_scale.values()),
    }
    return out


def task_info() -> dict:
    django = _django()
    from django.db import connection

    from xinyuan.hotline.models import Contact

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select 'SQLite ' || sqlite_version()")
            version = cursor.fetchone()[0]
        else:
            cursor.execute("show server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
    contact = Contact.objects.order_by("id").values_list("public_id", flat=True).first()
    return {
        "version": version,
        "django": django.get_version(),
        "floor_id": str(contact or uuid.uuid4()),
        "floor_id_exists": contact is not None,
    }


def task_state() -> dict:
    """What the submissions left behind, for the exactly-once check."""
    _django()
    from django.db.models import Q

    from xinyuan.assessments.models import HelpTask, SelfAssessment, TaskKind
    from xinyuan.audit.models import AuditEvent

    rows = SelfAssessment.objects.order_by("id")
    urgent = rows.filter(Q(most_severe=True) | ~Q(flags=[]))
    return {
        "assessments": rows.count(),
        "max_id": rows.values_list("id", flat=True).last() or 0,
        "needing_urgent": urgent.count(),
        "urgent_tasks": HelpTask.objects.filter(kind=TaskKind.URGENT).count(),
        "audit_creates": AuditEvent.objects.filter(
            target_type="assessments.selfassessment", action="create"
        ).count(),
        "audit_alerts": AuditEvent.objects.filter(
            target_type="assessments.helptask", action="alert"
        ).count(),
        "audit_events": AuditEvent.objects.count(),
    }


def task_new_ids(after_id: str) -> dict:
    _django()
    from xinyuan.assessments.models import SelfAssessment

    rows = SelfAssessment.objects.filter(id__gt=int(after_id)).order_by("id")
    keys = list(rows.values_list("submission_key", flat=True))
    return {
        "public_ids": [str(p) for p in rows.values_list("public_id", flat=True)],
        "distinct_keys": len(set(keys)),
        "flagged": rows.exclude(flags=[]).count(),
        "most_severe": rows.filter(most_severe=True).count(),
        "scales": sorted(set(rows.values_list("scale", flat=True))),
    }


def task_queries(runs: str) -> dict:
    """The SQL of the submitting request, in-process (Django's test client on the bench
    database): how many statements, how long each took, and the request's service time
    without HTTP or queueing. Every other test raises item 9 (an urgent task)."""
    _django()
    from django.db import connection
    from django.test import Client

    timed: list[tuple[str, float]] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((sql, time.perf_counter() - start))

    times, sql_times, last = [], [], {}
    for run in range(int(runs)):
        client = Client(enforce_csrf_checks=False)
        assert client.post(f"/s/{SCALE}/", {"consent": "yes"}).status_code == 302
        for number in range(1, 9):
            client.post(f"/s/{SCALE}/q/{number}/", {"answer": 1})
        answer = 1 if run % 2 else 0
        timed.clear()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            response = client.post(f"/s/{SCALE}/q/9/", {"answer": answer})
            times.append(time.perf_counter() - start)
        assert response.status_code == 302 and "/s/result/" in response["Location"], response
        sql_times.append(sum(t for _sql, t in timed))
        last["urgent" if answer else "plain"] = [
            {"ms": round(t * 1000, 3), "sql": sql[:240]} for sql, t in timed
        ]
    warm = slice(4, None) if len(times) > 8 else slice(None)
    ms, sql_ms = [x * 1000 for x in times[warm]], [x * 1000 for x in sql_times[warm]]
    return {
        "runs": int(runs),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "sql_p50_ms": round(percentile(sql_ms, 50), 2),
        "statements_plain": len(last["plain"]),
        "statements_urgent": len(last.get("urgent", [])),
        "queries": last,
    }


def task(name: str, *args: str) -> dict:
    if name == "scoring":
        return task_scoring(*(int(a) for a in args))
    if name == "info":
        return task_info()
    if name == "state":
        return task_state()
    if name == "new_ids":
        return task_new_ids(*args)
    if name == "queries":
        return task_queries(*args)
    raise SystemExit(f"unknown task {name}")


# The self-test over HTTP ----------------------------------------------------------------------


class Visitor:
    """One phone: a keep-alive connection and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return response.status, response.getheader("Location") or "", data


def run_submissions(port: int, clients: int, total: int, seconds: float, share: float, seed):
    """``clients`` visitors complete ``total`` PHQ-9 tests between them; only the POST of the
    9th answer is timed. Errors of the unmeasured steps are counted as ``prep <step> <status>``
    and that test is abandoned."""
    lock, issued = threading.Lock(), [0]
    latencies, answer_posts, ids, errors, statuses = [], [], [], Counter(), Counter()
    requests = [0]
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        rng = random.Random(f"{seed}-{index}")
        visitor = Visitor(port)
        mine, mine_answers, mine_ids, sent, seen = [], [], [], 0, Counter()
        while True:
            with lock:
                if issued[0] >= total or time.monotonic() > deadline:
                    break
                issued[0] += 1
            step = "start"
            try:
                status, _loc, page = visitor.request("GET", f"/s/{SCALE}/")
                sent += 1
                seen[status] += 1
                found = CSRF_INPUT.search(page)
                if status != 200 or not found:
                    raise StepError(step, status)
                token = found.group(1).decode()
                step = "consent"
                status, loc, _ = visitor.request(
                    "POST", f"/s/{SCALE}/", {"csrfmiddlewaretoken": token, "consent": "yes"}
                )
                sent += 1
                seen[status] += 1
                if status != 302 or not loc.endswith(f"/s/{SCALE}/q/1/"):
                    raise StepError(step, status)
                answers = [rng.randint(0, 3) for _ in range(8)]
                answers.append(rng.randint(1, 3) if rng.random() < share else 0)
                for number, value in enumerate(answers[:8], start=1):
                    step = f"q{number}"
                    start = time.perf_counter()
                    status, loc, _ = visitor.request(
                        "POST",
                        f"/s/{SCALE}/q/{number}/",
                        {"csrfmiddlewaretoken": token, "answer": value},
                    )
                    mine_answers.append(time.perf_counter() - start)
                    sent += 1
                    seen[status] += 1
                    if status != 302 or not loc.endswith(f"/q/{number + 1}/"):
                        raise StepError(step, status)
                step = "submit"
                start = time.perf_counter()
                status, loc, _ = visitor.request(
                    "POST",
                    f"/s/{SCALE}/q/9/",
                    {"csrfmiddlewaretoken": token, "answer": answers[8]},
                )
                elapsed = time.perf_counter() - start
                sent += 1
                seen[status] += 1
                found = RESULT_PATH.search(loc)
                if status != 302 or not found:
                    raise StepError(step, status)
                mine.append(elapsed)
                mine_ids.append((found.group(1), answers[8] > 0))
            except StepError as exc:
                with lock:
                    errors[("" if exc.step == "submit" else f"prep {exc.step} ") + exc.status] += 1
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors[
                        f"{'' if step == 'submit' else f'prep {step} '}{type(exc).__name__}"
                    ] += 1
                visitor.reconnect()
        visitor.conn.close()
        with lock:
            latencies.extend(mine)
            answer_posts.extend(mine_answers)
            ids.extend(mine_ids)
            requests[0] += sent
            statuses.update(seen)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result = summary(latencies, errors, wall)
    result["raw"] = latencies
    result["ids"] = ids
    result["answer_posts_raw"] = answer_posts
    result["statuses"] = {str(k): v for k, v in statuses.items()}
    result["http_requests"] = requests[0]
    result["http_rps"] = round(requests[0] / wall, 1)
    return result


class StepError(Exception):
    def __init__(self, step: str, status) -> None:
        super().__init__(step, status)
        self.step, self.status = step, str(status)


def merge_submissions(parts: list[dict]) -> dict:
    merged = merge(parts)
    merged["ids"] = [x for part in parts for x in part["ids"]]
    answers = [x for part in parts for x in part["answer_posts_raw"]]
    merged["answer_posts_1_to_8"] = summary(answers)
    statuses: Counter = Counter()
    for part in parts:
        statuses.update(part["statuses"])
    merged["statuses"] = dict(statuses)
    merged["http_requests"] = sum(part["http_requests"] for part in parts)
    merged["http_rps"] = round(merged["http_requests"] / merged["wall_s"], 1)
    for round_ in merged["rounds"]:
        for key in ("ids", "answer_posts_raw"):
            round_.pop(key, None)
    return merged


# The benchmark ------------------------------------------------------------------------------


def prepare_database(args, env: dict, log) -> None:
    if args.db == "postgres":
        name = args.database_url.rsplit("/", 1)[1]
        admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
    else:
        shutil.rmtree(args.sqlite_dir, ignore_errors=True)
    Path(env["XINYUAN_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", log=log)
    manage(env, "load_demo", log=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"])
    parser.add_argument("--only-scoring", action="store_true", help="part 1 alone")
    parser.add_argument("--skip-scoring", action="store_true", help="part 2 alone")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="for --db postgres (dropped!)")
    parser.add_argument("--sqlite-dir", default=DEFAULT_SQLITE_DIR, help="for --db sqlite (wiped!)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vectors", type=int, default=200_000, help="answer vectors per scale")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over them")
    parser.add_argument("--cpu", type=int, default=0, help="the core the scoring is pinned to")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=2000, help="measured, all rounds")
    parser.add_argument("--floor-requests", type=int, default=4000, help="all rounds")
    parser.add_argument("--rounds", type=int, default=4, help="floor/submit alternations")
    parser.add_argument("--phase-seconds", type=float, default=240, help="cap per kind, total")
    parser.add_argument("--single", type=int, default=100, help="submissions with one client")
    parser.add_argument("--urgent-share", type=float, default=0.10, help="item 9 above 0")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--wait-for", default="bench/audit_cost_bench", help="pgrep -f pattern")
    parser.add_argument("--wait-minutes", type=float, default=40)
    parser.add_argument(
        "--quiet-cores", type=float, default=0.3, help="wait until others use fewer cores"
    )
    args = parser.parse_args()
    if not args.only_scoring and not args.db:
        parser.error("--db is required (or --only-scoring)")

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XINYUAN_DATA_DIR")}
    env.update(XINYUAN_BENCH="1", DJANGO_SETTINGS_MODULE="config.settings", PYTHONUNBUFFERED="1")
    env.pop("DEBUG", None)
    if args.db == "postgres":
        env["DATABASE_URL"] = args.database_url
        env["XINYUAN_DATA_DIR"] = "/tmp/xinyuan-bench-scales-pg-data"
    else:
        env["XINYUAN_DATA_DIR"] = args.sqlite_dir
    RESULTS.mkdir(parents=True, exist_ok=True)
    label = "scoring" if args.only_scoring else args.db
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = (RESULTS / f"scales-{label}-{stamp}.log").open("w")
    out: dict = {"db": args.db, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    out["machine"], out["code"] = machine(), code_version()
    out["settings"] = {k: v for k, v in vars(args).items() if k != "database_url"}
    out["results"] = {}

    print(f"[{label}] waiting until no '{args.wait_for}' runs …", flush=True)
    out["quiet"] = wait_for_quiet(args.wait_for, args.wait_minutes, args.quiet_cores)
    if not args.only_scoring:
        print(f"[{label}] preparing a fresh database …", flush=True)
        prepare_database(args, env, log)
        out["database"] = inprocess(env, "info")
        print(f"[{label}] {out['database']['version']}", flush=True)
    out["quiet"]["after_preparing"] = others_running(args.wait_for) if args.wait_for else []
    out["loadavg_start"] = loadavg()

    if not args.skip_scoring:
        print(f"[{label}] scoring in-process, {args.vectors:,} vectors per scale …", flush=True)
        scoring = inprocess(
            env, "scoring", str(args.vectors), str(args.repeats), str(args.seed), str(args.cpu)
        )
        scoring["loadavg"] = loadavg()
        out["results"]["scoring"] = scoring
    if not args.only_scoring:
        print(f"[{label}] the submitting request's SQL, in-process …", flush=True)
        out["results"]["submit_inprocess"] = inprocess(env, "queries", "40")
        port = free_port()
        server = start_server(
            env, port, args.workers, args.threads, RESULTS / f"gunicorn-scales-{label}.log"
        )
        try:
            out["results"].update(measure(args, env, port, server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        print(f"[{label}] verifying the audit chain …", flush=True)
        started = time.monotonic()
        verified = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", "verify_audit"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        out["results"]["verify_audit"] = {
            "ok": verified.returncode == 0,
            "output": (verified.stdout + verified.stderr).strip()[-500:],
            "seconds": round(time.monotonic() - started, 1),
        }
    out["loadavg_end"] = loadavg()
    path = RESULTS / f"scales-{label}-{stamp}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print_table(out)
    print(f"\nResults: {path.relative_to(ROOT)}")


def with_cpu(server_pid: int, run, *args) -> dict:
    """Run one phase and note who used the cores meanwhile."""
    before, start = cpu_snapshot(), time.monotonic()
    result = run(*args)
    result["cpu_cores"] = cpu_usage(before, cpu_snapshot(), time.monotonic() - start, server_pid)
    result["loadavg"] = loadavg()
    return result


def cpu_total(parts: list[dict]) -> dict:
    """Cores per group over several phases, weighted by their length."""
    wall = sum(part["wall_s"] for part in parts)
    total: Counter = Counter()
    for part in parts:
        for key, value in part["cpu_cores"].items():
            if key != "busiest_others":
                total[key] += value * part["wall_s"]
    return {k: round(v / wall, 2) for k, v in total.items()}


def measure(args, env: dict, port: int, server_pid: int) -> dict:
    results: dict = {}
    floor_id = inprocess(env, "info")["floor_id"]

    def floor(index, conn):
        conn.request("GET", f"/bench/floor?id={floor_id}")
        response = conn.getresponse()
        response.read()
        return response.status

    clients, label = args.clients, args.db
    print(f"[{label}] warm-up …", flush=True)
    run_load(port, clients, clients * 5, 60, floor)
    warm = run_submissions(port, clients, clients, 120, args.urgent_share, f"{args.seed}-warm")
    results["warmup_errors"] = warm["errors"]

    before = inprocess(env, "state")
    floors, submits = [], []
    per_floor = max(1, args.floor_requests // args.rounds)
    per_submit = max(1, args.submissions // args.rounds)
    cap = args.phase_seconds / args.rounds
    for round_ in range(args.rounds):
        print(f"[{label}] round {round_ + 1}/{args.rounds}: floor, submit …", flush=True)
        floors.append(with_cpu(server_pid, run_load, port, clients, per_floor, cap, floor))
        seed = f"{args.seed}-{round_}"
        submits.append(
            with_cpu(
                server_pid,
                run_submissions,
                *(port, clients, per_submit, cap, args.urgent_share, seed),
            )
        )
    results["floor"], results["submit"] = merge(floors), merge_submissions(submits)
    results["floor"]["cpu_cores"] = cpu_total(floors)
    results["submit"]["cpu_cores"] = cpu_total(submits)
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        if key in results["submit"]:
            ratio = results["submit"][key] / results["floor"][key]
            results["submit"][f"ratio_{key[:3]}"] = round(ratio, 2)

    after = inprocess(env, "state")
    results["checks"] = check(
        results, before, after, inprocess(env, "new_ids", str(before["max_id"]))
    )

    # One client at a time: the service time, without queueing.
    print(f"[{label}] one client at a time …", flush=True)
    single_floor = run_load(port, 1, args.single * 3, 60, floor)
    single_submit = run_submissions(port, 1, args.single, 120, args.urgent_share, "single")
    results["one_client"] = {
        "floor": {k: v for k, v in single_floor.items() if k != "raw"},
        "submit": {
            k: v for k, v in single_submit.items() if k not in ("raw", "ids", "answer_posts_raw")
        },
    }
    results["one_client"]["submit"]["answer_posts_1_to_8"] = summary(
        single_submit["answer_posts_raw"]
    )
    one = results["one_client"]
    if "p50_ms" in one["submit"]:
        for key in ("p50_ms", "p95_ms"):
            one["submit"][f"ratio_{key[:3]}"] = round(one["submit"][key] / one["floor"][key], 2)
    for part in (results["floor"], results["submit"]):
        part.pop("raw", None)
    results["submit"].pop("ids", None)
    return results


def check(results: dict, before: dict, after: dict, new: dict) -> dict:
    """Exactly once: the new rows are the measured submissions, one each."""
    measured = results["submit"]["ids"]
    measured_ids = [i for i, _urgent in measured]
    new_ids = new["public_ids"]
    floor_5xx = sum(v for k, v in results["floor"]["errors"].items() if k.startswith("5"))
    fivexx = sum(v for k, v in results["submit"]["statuses"].items() if k.startswith("5"))
    added = after["assessments"] - before["assessments"]
    checks = {
        "measured_submissions": len(measured_ids),
        "new_rows": added,
        "rows_equal_submissions": added == len(measured_ids),
        "same_public_ids": sorted(new_ids) == sorted(measured_ids),
        "duplicate_ids_in_answers": len(measured_ids) - len(set(measured_ids)),
        "distinct_submission_keys": new["distinct_keys"],
        "scales": new["scales"],
        "flagged_item9": new["flagged"],
        "flagged_share": round(new["flagged"] / max(1, added), 3),
        "item9_answered_above_0": sum(u for _i, u in measured),
        "most_severe": new["most_severe"],
        "new_urgent_tasks": after["urgent_tasks"] - before["urgent_tasks"],
        "new_rows_needing_urgent": after["needing_urgent"] - before["needing_urgent"],
        "new_audit_creates": after["audit_creates"] - before["audit_creates"],
        "new_audit_alerts": after["audit_alerts"] - before["audit_alerts"],
        "server_errors_5xx": floor_5xx + fivexx,
        "errors": {**results["floor"]["errors"], **results["submit"]["errors"]},
    }
    checks["urgent_tasks_match"] = (
        checks["new_urgent_tasks"]
        == checks["new_rows_needing_urgent"]
        == checks["new_audit_alerts"]
    )
    checks["audit_creates_match"] = checks["new_audit_creates"] == added
    checks["ok"] = bool(
        checks["rows_equal_submissions"]
        and checks["same_public_ids"]
        and not checks["duplicate_ids_in_answers"]
        and checks["urgent_tasks_match"]
        and checks["audit_creates_match"]
        and not checks["server_errors_5xx"]
    )
    return checks


def print_table(out: dict) -> None:
    r = out["results"]
    if "scoring" in r:
        s = r["scoring"]
        print(
            f"\n| scoring in-process (pinned to cpu {s['pinned_cpu']}) | items | responses/s "
            f"| µs each | floor responses/s | ratio | target |"
        )
        print("|---|---|---|---|---|---|---|")
        for code, row in s["scales"].items():
            print(
                f"| {code} | {row['items']} | {row['per_s']:,} | {row['us_per_response']} "
                f"| {row['floor_per_s']:,} | {row['ratio']}× | ≥ {TARGETS['scoring_per_s']:,}/s |"
            )
        o = s["overall"]
        print(
            f"| all scales | | {o['per_s']:,} | {round(1e6 / o['per_s'], 3)} "
            f"| {o['floor_per_s']:,} | {o['ratio']}× | ≥ {TARGETS['scoring_per_s']:,}/s |"
        )
    if "submit" not in r:
        return
    db, f, sub = out["db"], r["floor"], r["submit"]
    print(
        f"\n| {db}, {out['settings']['clients']} clients | n | errors | p50 ms | p95 ms "
        "| p99 ms | rps | target |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = [
        ("floor GET /bench/floor", f, "—"),
        ("submit POST 9th answer", sub, f"p95 ≤ {TARGETS['submit_p95_ms']} ms"),
        ("(unmeasured answers 1–8)", sub["answer_posts_1_to_8"], "—"),
    ]
    for name, part, target in rows:
        print(
            f"| {name} | {part['count']} | {sum(part['errors'].values())} | {part['p50_ms']} "
            f"| {part['p95_ms']} | {part['p99_ms']} | {part.get('throughput_rps', '')} "
            f"| {target} |"
        )
    print(
        f"| submit ÷ floor | | | {sub['ratio_p50']}× | {sub['ratio_p95']}× "
        f"| {sub['ratio_p99']}× | | |"
    )
    print(
        f"\nall requests of the submit phase: {sub['http_requests']} at {sub['http_rps']}/s; "
        f"completed tests {sub['throughput_rps']}/s"
    )
    print(f"cores used, floor phases: {f['cpu_cores']}\n  submit phases: {sub['cpu_cores']}")
    one = r["one_client"]
    print(
        f"one client: floor p50/p95 {one['floor']['p50_ms']}/{one['floor']['p95_ms']} ms, "
        f"submit {one['submit'].get('p50_ms')}/{one['submit'].get('p95_ms')} ms "
        f"(ratio {one['submit'].get('ratio_p50')}×/{one['submit'].get('ratio_p95')}×)"
    )
    q = r["submit_inprocess"]
    print(
        f"in-process submit (test client): p50/p95 {q['p50_ms']}/{q['p95_ms']} ms "
        f"(of which SQL {q['sql_p50_ms']} ms), "
        f"{q['statements_plain']} SQL statements ({q['statements_urgent']} with an urgent task)"
    )
    c = r["checks"]
    print(
        f"checks: {'OK' if c['ok'] else 'FAILED'} — {c['new_rows']} new rows for "
        f"{c['measured_submissions']} measured submissions, same ids {c['same_public_ids']}, "
        f"{c['flagged_item9']} flagged ({c['flagged_share']:.1%}), urgent tasks "
        f"{c['new_urgent_tasks']}, 5xx {c['server_errors_5xx']}, errors {c['errors']}; "
        f"audit chain {'intact' if r['verify_audit']['ok'] else 'BROKEN'}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inprocess":
        print(json.dumps(task(*sys.argv[2:])))
    else:
        main()
