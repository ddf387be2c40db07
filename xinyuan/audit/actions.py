"""The audit trail. ``record`` is called by every action inside its own transaction."""

from __future__ import annotations

import threading
from typing import Any

from django.db import transaction

from xinyuan.audit.models import AuditEvent

_request_context = threading.local()


def set_request_context(ip: str | None, user_agent: str) -> None:
    _request_context.ip = ip
    _request_context.user_agent = user_agent[:300]


def clear_request_context() -> None:
    _request_context.__dict__.clear()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def record(
    *,
    actor,
    action: str,
    target,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    organisation=None,
) -> AuditEvent:
    """Append one audit event. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the action's transaction")
    org = organisation if organisation is not None else getattr(target, "organisation", None)
    return AuditEvent.objects.create(
        organisation=org,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        target_type=type(target)._meta.label_lower,
        target_id=getattr(target, "public_id", None),
        changes=_jsonable(changes or {}),
        reason=reason,
        ip=getattr(_request_context, "ip", None),
        user_agent=getattr(_request_context, "user_agent", ""),
    )
