"""Verification of the audit hash chain (used by ``manage.py verify_audit``)."""

from __future__ import annotations

from dataclasses import dataclass

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


def verify_chain(chunk_size: int = 20_000) -> Result:
    """Walk the chain in order; the first missing, changed or re-linked event is reported."""
    expected_prev = GENESIS
    expected_sequence = 1
    checked = 0
    rows = AuditEvent.objects.order_by("sequence").values_list(*FIELDS)
    for row in rows.iterator(chunk_size=chunk_size):
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
    head = AuditChainHead.objects.filter(pk=1).first()
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
