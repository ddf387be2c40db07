"""Verification of the audit hash chain (used by ``manage.py verify_audit``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from xinyuan.audit.chain import GENESIS, event_hash
from xinyuan.audit.models import AuditChainHead, AuditEvent

FIELDS = (
    "sequence",
    "prev_hash",
    "hash",
    "created_at",
    "public_id",
    "organisation_id",
    "actor_id",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "changes_json",
    "reason",
    "ip",
    "user_agent",
)


@dataclass
class Result:
    ok: bool
    checked: int
    problem: str = ""
    sequence: int | None = None
    public_id: str | None = None


# The columns as text shaped exactly as the chain hashed them, so that verifying 10,000,000
# events does not spend its time building datetime and UUID objects (docs/benchmarks.md).
SELECT_AS_TEXT = {
    "postgresql": {
        "created_at": "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
        "public_id": "public_id::text",
        "target_id": "target_id::text",
        "ip": "host(ip)",
    },
    "sqlite": {"created_at": "CAST(created_at AS TEXT)"},
}


def _rows(chunk_size: int, first: int = 1, last: int | None = None):
    """The chain in order (events ``first``..``last``), read with the database driver."""
    as_text = SELECT_AS_TEXT.get(connection.vendor, {})
    columns = ", ".join(as_text.get(name, name) for name in FIELDS)  # names are the columns
    where = f"sequence >= {int(first)}" + ("" if last is None else f" AND sequence <= {int(last)}")
    sql = (
        f"SELECT {columns} FROM {AuditEvent._meta.db_table} "  # noqa: S608 - integers only
        f"WHERE {where} ORDER BY sequence"
    )
    if connection.vendor == "postgresql":
        with transaction.atomic():
            # A server-side cursor: rows stream in chunks instead of all at once.
            with connection.connection.cursor(name="xinyuan_verify_audit") as cursor:
                cursor.itersize = chunk_size
                cursor.execute(sql)
                for row in cursor:
                    yield _from_postgres(row)
        return
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(chunk_size):
            for row in chunk:
                yield _from_sqlite(row)
    finally:
        cursor.close()


def _iso_utc(text: str) -> str:
    """'2026-11-29 16:46:38.123456' (UTC) → datetime.isoformat() of the aware value."""
    text = text.replace(" ", "T", 1)
    if text.endswith(".000000"):
        text = text[:-7]
    return text + "+00:00"


def _dashed(hex32: str | None) -> str | None:
    if hex32 is None or len(hex32) != 32:
        return hex32
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def _from_postgres(row):
    row = list(row)
    row[3] = _iso_utc(row[3])
    return row


def _from_sqlite(row):
    """SQLite keeps UUIDs as 32 hex digits and times as naive UTC text."""
    row = list(row)
    row[3] = _iso_utc(row[3])
    row[4] = _dashed(row[4])
    row[10] = _dashed(row[10])
    return row


@dataclass
class _Walk:
    """One stretch of the chain: its first link (checked at the seam), last hash, and failure."""

    first: int
    checked: int
    first_prev: str | None
    last_hash: str | None
    next_sequence: int
    failure: Result | None = None


def _walk(first: int, last: int | None, expected_prev: str | None, chunk_size: int) -> _Walk:
    """Verify events first..last. ``expected_prev`` None: the first link is the caller's to
    check (a stretch verified in another process)."""
    expected_sequence, checked, first_prev = first, 0, None
    for row in _rows(chunk_size, first, last):
        (sequence, prev_hash, stored_hash, created_at, public_id, org_id, actor_id, role, action,
         target_type, target_id, changes_json, reason, ip, user_agent) = row  # fmt: skip
        if sequence != expected_sequence:
            problem = f"event {expected_sequence} is missing (next present is {sequence})"
            failure = Result(False, checked, problem, expected_sequence, None)
            return _Walk(first, checked, first_prev, expected_prev, expected_sequence, failure)
        if checked == 0:
            first_prev = prev_hash
            if expected_prev is None:
                expected_prev = prev_hash
        if prev_hash != expected_prev:
            failure = Result(
                False, checked, "link to the previous event broken", sequence, str(public_id)
            )
            return _Walk(first, checked, first_prev, expected_prev, expected_sequence, failure)
        computed = event_hash(
            sequence=sequence, prev_hash=prev_hash, created_at=created_at, public_id=public_id,
            organisation_id=org_id, actor_id=actor_id, actor_role=role, action=action,
            target_type=target_type, target_id=target_id, changes_json=changes_json,
            reason=reason, ip=ip, user_agent=user_agent,
        )  # fmt: skip
        if computed != stored_hash:
            failure = Result(False, checked, "content changed", sequence, str(public_id))
            return _Walk(first, checked, first_prev, expected_prev, expected_sequence, failure)
        expected_prev = stored_hash
        expected_sequence += 1
        checked += 1
    return _Walk(first, checked, first_prev, expected_prev, expected_sequence)


def _walk_in_child(args) -> _Walk:
    first, last, chunk_size = args
    try:
        return _walk(first, last, None, chunk_size)
    finally:
        connection.close()


PARALLEL_FROM = 200_000  # events; below this one process is quicker than starting others


def _can_fork() -> bool:
    """Other processes read the committed chain through their own connections: not inside a
    transaction (they would not see its rows) nor on an in-memory database."""
    name = str(connection.settings_dict.get("NAME", ""))
    in_memory = connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name)
    return not in_memory and not connection.in_atomic_block


def verify_chain(chunk_size: int = 20_000, workers: int = 1) -> Result:
    """Walk the chain in order; the first missing, changed or re-linked event is reported.

    With ``workers`` > 1 and a long chain, stretches are verified in that many processes and
    joined at their seams (each seam is one link: the next stretch's first ``prev_hash``)."""
    # The head first: events appended while the chain is read are not "removed from the end".
    head = AuditChainHead.objects.filter(pk=1).first()
    limit = head.last_sequence if head is not None else None
    if workers > 1 and limit is not None and limit >= PARALLEL_FROM and _can_fork():
        walks = _parallel(limit, workers, chunk_size)
    else:
        walks = [_walk(1, limit, GENESIS, chunk_size)]
    checked, expected_prev, next_sequence = 0, GENESIS, 1
    for walk in walks:
        if walk.first != next_sequence:  # the stretch before ended early
            problem = f"event {next_sequence} is missing"
            return Result(False, checked, problem, next_sequence, None)
        if walk.checked and walk.first_prev != expected_prev:
            return Result(False, checked, "link to the previous event broken", walk.first, None)
        if walk.failure is not None:
            failure = walk.failure
            return Result(False, checked + failure.checked, failure.problem, failure.sequence,
                          failure.public_id)  # fmt: skip
        checked += walk.checked
        next_sequence = walk.next_sequence
        if walk.checked:
            expected_prev = walk.last_hash or expected_prev
    last = next_sequence - 1
    if head is not None and (head.last_sequence != last or head.last_hash != expected_prev):
        return Result(
            False,
            checked,
            f"the chain ends at event {last} but {head.last_sequence} were written "
            "(events removed from the end)",
            last + 1,
            None,
        )
    return Result(True, checked)


def _parallel(limit: int, workers: int, chunk_size: int) -> list[_Walk]:
    import multiprocessing

    from django.db import connections

    size = -(-limit // workers)
    stretches = [(1 + i * size, min(limit, (i + 1) * size), chunk_size) for i in range(workers)]
    connections.close_all()  # each process opens its own connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_walk_in_child, stretches)
