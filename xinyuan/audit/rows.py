"""Audit events read as the text their leaf covers, by the sealer and the verifier alike.

Both read the stored row back through the same SQL, so what is sealed is exactly what is stored
and what a verifier recomputes; and reading text (no datetime and UUID objects) is what lets
``verify_audit`` check 10,000,000 events in well under a minute (docs/benchmarks.md).
"""

from __future__ import annotations

from django.db import connection

from xinyuan.audit.chain import LEAF_FIELDS, leaf_hash

EVENT_TABLE = "audit_auditevent"
SEAL_TABLE = "audit_auditseal"
CHECKPOINT_TABLE = "audit_auditcheckpoint"

_AS_TEXT = {
    "postgresql": {
        "created_at": "to_char({a}created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
        "public_id": "{a}public_id::text",
        "target_id": "{a}target_id::text",
        "ip": "host({a}ip)",
    },
    "sqlite": {"created_at": "CAST({a}created_at AS TEXT)"},
}


def event_columns(alias: str = "") -> str:
    """The leaf's columns, in ``LEAF_FIELDS`` order, as SQL (``alias`` like "e.")."""
    as_text = _AS_TEXT.get(connection.vendor, {})
    return ", ".join(as_text.get(name, "{a}" + name).format(a=alias) for name in LEAF_FIELDS)


def _iso_utc(text: str) -> str:
    """'2026-11-29 16:46:38.123456' (UTC) → datetime.isoformat() of the aware value."""
    text = text.replace(" ", "T", 1)
    if text.endswith(".000000"):
        text = text[:-7]
    return text + "+00:00"


def dashed_uuid(hex32: str | None) -> str | None:
    if hex32 is None or len(hex32) != 32:
        return hex32
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def leaf_of(values, vendor: str) -> str:
    """The leaf of one event from its ``event_columns()`` values (a sequence, in that order)."""
    (event_id, public_id, created_at, org_id, actor_id, role, action, target_type, target_id,
     changes_json, reason, ip, user_agent) = values  # fmt: skip
    if vendor == "sqlite":  # SQLite keeps UUIDs as 32 hex digits
        public_id, target_id = dashed_uuid(public_id), dashed_uuid(target_id)
    return leaf_hash(
        id=event_id, public_id=public_id, created_at=_iso_utc(created_at),
        organisation_id=org_id, actor_id=actor_id, actor_role=role, action=action,
        target_type=target_type, target_id=target_id, changes_json=changes_json, reason=reason,
        ip=ip, user_agent=user_agent,
    )  # fmt: skip
