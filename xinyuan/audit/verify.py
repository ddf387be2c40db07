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


def _rows(chunk_size: int):
    """The chain in order, read with the database driver directly."""
    as_text = SELECT_AS_TEXT.get(connection.vendor, {})
    columns = ", ".join(as_text.get(name, name) for name in FIELDS)  # names are the columns
    sql = f"SELECT {columns} FROM {AuditEvent._meta.db_table} ORDER BY sequence"  # noqa: S608
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


def verify_chain(chunk_size: int = 20_000) -> Result:
    """Walk the chain in order; the first missing, changed or re-linked event is reported."""
    expected_prev = GENESIS
    expected_sequence = 1
    checked = 0
    # The head first: events appended while the chain is read are not "removed from the end".
    head = AuditChainHead.objects.filter(pk=1).first()
    limit = head.last_sequence if head is not None else None
    for row in _rows(chunk_size):
        if limit is not None and row[0] > limit:
            break
        (sequence, prev_hash, stored_hash, created_at, public_id, org_id, actor_id, role, action,
         target_type, target_id, changes_json, reason, ip, user_agent) = row  # fmt: skip
        if sequence != expected_sequence:
            return Result(
                False,
                checked,
                f"event {expected_sequence} is missing (next present is {sequence})",
                expected_sequence,
                None,
            )
        if prev_hash != expected_prev:
            return Result(False, checked, "link to the previous event broken", sequence, public_id)
        computed = event_hash(
            sequence=sequence,
            prev_hash=prev_hash,
            created_at=created_at,
            public_id=public_id,
            organisation_id=org_id,
            actor_id=actor_id,
            actor_role=role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            changes_json=changes_json,
            reason=reason,
            ip=ip,
            user_agent=user_agent,
        )
        if computed != stored_hash:
            return Result(False, checked, "content changed", sequence, str(public_id))
        expected_prev = stored_hash
        expected_sequence += 1
        checked += 1
    last = expected_sequence - 1
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
