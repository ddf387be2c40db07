"""The hash chain of audit events: one pure function shared by writing and verifying."""

import hashlib
from datetime import datetime

GENESIS = "0" * 64


def event_hash(  # created_at: a datetime, or its isoformat() text already (verification)
    *,
    sequence: int,
    prev_hash: str,
    created_at: datetime | str,
    public_id,
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
        str(sequence),
        prev_hash,
        created_at if isinstance(created_at, str) else created_at.isoformat(),
        str(public_id),
        "" if organisation_id is None else str(organisation_id),
        "" if actor_id is None else str(actor_id),
        actor_role,
        action,
        target_type,
        "" if target_id is None else str(target_id),
        changes_json,
        reason,
        ip or "",
        user_agent,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
