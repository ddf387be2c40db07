"""The audit trail. ``record`` is called by every action inside its own transaction."""

from __future__ import annotations

import ipaddress
import json
import threading
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.audit.shred import seal

_request_context = threading.local()


def _valid_ip(ip: str | None) -> str | None:
    """The address exactly as the database stores and returns it, or None if it is not one.

    IPv6 goes through Django's own cleaning (so an IPv4-mapped address is '::ffff:10.0.0.5' in
    the leaf as in the column, and the log verifies)."""
    from django.utils.ipv6 import clean_ipv6_address

    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    return clean_ipv6_address(str(address)) if address.version == 6 else str(address)


def set_request_context(ip: str | None, user_agent: str) -> None:
    _request_context.ip = _valid_ip(ip)
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


def canonical_json(value: dict[str, Any]) -> str:
    return json.dumps(_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def in_application_transaction(connection) -> bool:
    """Inside an atomic block the application opened: a TestCase's own wrapping blocks (marked
    ``_from_testcase``) do not count, so a missing ``@transaction.atomic`` fails in tests as it
    does in production."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def record(
    *,
    actor,
    action: str,
    target,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    organisation=None,
) -> AuditEvent:
    """Append one audit event inside the caller's transaction: one INSERT, no lock.

    The sealer (``audit.sealing``, seconds later) gives it its place in the sealed log. Only
    when clinical words must be sealed under their contact's key is that key looked up first
    (``audit.shred``)."""
    if not in_application_transaction(transaction.get_connection()):
        raise RuntimeError("audit.record must be called inside the action's transaction")
    # The id is enough: reading target.organisation would cost a query on every audited write.
    org_id = (
        organisation.pk if organisation is not None else getattr(target, "organisation_id", None)
    )
    target_type = target._meta.label_lower if target is not None else "system"
    changes, reason = seal(
        target=target, target_type=target_type, action=action, changes=changes or {}, reason=reason
    )
    event = AuditEvent(
        public_id=uuid.uuid4(),
        created_at=timezone.now(),
        organisation_id=org_id,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        target_type=target_type,
        target_id=getattr(target, "public_id", None),
        changes_json=canonical_json(changes or {}),
        reason=reason,
        ip=getattr(_request_context, "ip", None),
        user_agent=getattr(_request_context, "user_agent", ""),
    )
    _insert(event)
    return event


# The event's INSERT, built once per database vendor: every audited request appends one, and
# Django's model save path (signals, field pre-save, query compilation) cost more than the
# statement itself. Values go through each field's own conversion for the database, as save()
# would; no signal listens to AuditEvent (it is append-only and sealed, never edited).
_INSERT_SQL: dict[str, tuple[str, tuple]] = {}


def _insert(event: AuditEvent) -> None:
    connection = transaction.get_connection()
    cached = _INSERT_SQL.get(connection.vendor)
    if cached is None:
        fields = tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - the model's own names
            quote(AuditEvent._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(AuditEvent._meta.pk.column)}"
        cached = _INSERT_SQL[connection.vendor] = (sql, fields)
    sql, fields = cached
    params = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returning = connection.features.can_return_columns_from_insert
        event.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    event._state.adding = False
    event._state.db = connection.alias


@transaction.atomic
def do_record_view(*, actor, target, fields: tuple[str, ...] = (), reason: str = "") -> AuditEvent:
    """A read of a person's record, a contact or an assessment result (PR-03)."""
    return record(
        actor=actor,
        action="view",
        target=target,
        changes={"fields": list(fields)} if fields else {},
        reason=reason,
    )


@transaction.atomic
def do_record_export(
    *, actor, what: str, count: int, filters: dict[str, Any], subject=None
) -> AuditEvent:
    """An export leaves the system: who, what, how many rows, with which filters. An export
    about one person names them (``subject``, the event's record), so the auditor finds it by
    person; otherwise the record is the exporting user."""
    return record(
        actor=actor,
        action="export",
        target=subject if subject is not None else actor,
        changes={"what": what, "rows": count, "filters": filters},
    )


@transaction.atomic
def do_record_list_view(
    *, actor, model_label: str, records, query: dict[str, Any] | None = None
) -> AuditEvent | None:
    """A list or search that returned records with clinical content (PR-03): one event naming
    every record returned (its target is the reader, as for an export). The filters are
    named, not their values (a search may be typed with a caller's words)."""
    ids = [str(r.public_id) for r in records]
    if not ids:
        return None
    used = sorted(name for name, value in (query or {}).items() if value not in (None, "", []))
    return record(
        actor=actor,
        action="list",
        target=actor,
        changes={"what": model_label, "records": ids, "filters": used},
    )
