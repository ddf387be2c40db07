"""The sealed audit log's hashes: pure functions shared by the sealer and the verifier.

An event's *leaf* is the SHA-256 of its canonical content; the sealer gives each event a
sequence number and a *chain* value, SHA-256(previous chain ‖ leaf), and signs the chain value
at the end of each batch (a checkpoint, in the manner of Certificate Transparency's signed tree
heads, RFC 9162). docs/decisions/0007-sealed-audit-log.md explains the design.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

GENESIS = "0" * 64
LEAF_TAG = "xinyuan-audit-event/v1"
CHECKPOINT_VERSION = "xinyuan-audit-checkpoint/v1"

# The event's columns that a leaf covers, in this order (the verifier reads them as text).
LEAF_FIELDS = (
    "id",
    "public_id",
    "created_at",
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


def _text(value) -> str:
    return "" if value is None else str(value)


def leaf_hash(  # created_at: a datetime, or its isoformat() text already (sealing, verifying)
    *,
    id: int,  # noqa: A002 - the column's name
    public_id,
    created_at: datetime | str,
    organisation_id,
    actor_id,
    actor_role: str,
    action: str,
    target_type: str,
    target_id,
    changes_json: str,
    reason: str,
    ip,
    user_agent: str,
) -> str:
    parts = (
        LEAF_TAG,
        str(id),
        str(public_id),
        created_at if isinstance(created_at, str) else created_at.isoformat(),
        _text(organisation_id),
        _text(actor_id),
        actor_role,
        action,
        target_type,
        _text(target_id),
        changes_json,
        reason,
        ip or "",
        user_agent,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def next_chain(previous: str, leaf: str) -> str:
    """SHA-256 over the two hex digests as ASCII (128 bytes): the chain after this leaf."""
    return hashlib.sha256((previous + leaf).encode()).hexdigest()


def checkpoint_time(moment: datetime) -> str:
    """The one text of a checkpoint's time that is signed and written to the file."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def checkpoint_message(*, sequence: int, chain: str, created_at: str) -> bytes:
    """What a checkpoint's Ed25519 signature covers."""
    return f"{CHECKPOINT_VERSION}\n{int(sequence)}\n{chain}\n{created_at}\n".encode()
