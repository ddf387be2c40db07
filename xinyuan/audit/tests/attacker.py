"""What someone who holds the database (but not the signing key) can do to the audit log.

They can drop the append-only triggers (``lifted``), change any row, and recompute every hash
the database holds, since the algorithm is public. They cannot sign, nor touch the checkpoint
file (kept on other storage).
"""

from __future__ import annotations

from django.db import connection

from xinyuan.audit.chain import GENESIS, next_chain
from xinyuan.audit.models import AuditCheckpoint, AuditSeal
from xinyuan.audit.rows import EVENT_TABLE, event_columns, leaf_of
from xinyuan.audit.triggers import lifted


def stored_leaf(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {event_columns()} FROM {EVENT_TABLE} WHERE id = %s",  # noqa: S608
            [event_id],
        )
        return leaf_of(cursor.fetchone(), connection.vendor)


def run_sql(sql: str, params=()) -> None:
    with lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def rechain_from(sequence: int) -> None:
    """Recompute every leaf and chain value from ``sequence`` on, and the chain value of every
    checkpoint after it, so that the database agrees with itself everywhere."""
    with lifted():
        previous = AuditSeal.objects.filter(sequence=sequence - 1).first()
        chain = previous.chain if previous is not None else GENESIS
        for seal in AuditSeal.objects.filter(sequence__gte=sequence).order_by("sequence"):
            leaf = stored_leaf(seal.event_id)
            chain = next_chain(chain, leaf)
            AuditSeal.objects.filter(pk=seal.pk).update(leaf=leaf, chain=chain)
            AuditCheckpoint.objects.filter(sequence=seal.sequence).update(chain=chain)


def remove_from(sequence: int) -> None:
    """Delete the seals from ``sequence`` on, their events and the checkpoints covering them."""
    with lifted():
        event_ids = list(
            AuditSeal.objects.filter(sequence__gte=sequence).values_list("event_id", flat=True)
        )
        AuditCheckpoint.objects.filter(sequence__gte=sequence).delete()
        AuditSeal.objects.filter(sequence__gte=sequence).delete()
        with connection.cursor() as cursor:
            for event_id in event_ids:
                cursor.execute(f"DELETE FROM {EVENT_TABLE} WHERE id = %s", [event_id])  # noqa: S608
