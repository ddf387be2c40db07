"""The sealer: gives appended audit events their place in the sealed log, seconds after commit.

Run by ``manage.py seal_audit --loop 2`` beside the app (``make run`` starts it) or from cron.
Each batch, in one transaction: the events not yet sealed, in id order, each get an ``AuditSeal``
(the next sequence, the leaf of the stored row, the chain value), and one ``AuditCheckpoint``
signs the last chain value with the key the database does not hold. After commit the new
checkpoints are appended to the checkpoint file outside the database.

Only the sealer takes a lock (PostgreSQL: a transaction-level advisory lock; SQLite serialises
writers anyway); ``record()`` takes none. Events are committed in id order on SQLite but not on
PostgreSQL (a transaction that took a lower id may commit later), so unsealed events are found
by an anti-join over a window: ids above the highest id sealed by a checkpoint older than the
grace period (``XINYUAN_AUDIT_SEAL_GRACE_SECONDS``), which is safe while no transaction that
writes an event lasts longer than that. ``full=True`` searches from the first event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinyuan.audit import checkpoints
from xinyuan.audit.actions import in_application_transaction, record
from xinyuan.audit.chain import GENESIS, next_chain
from xinyuan.audit.models import AuditCheckpoint, AuditSeal
from xinyuan.audit.rows import EVENT_TABLE, SEAL_TABLE, event_columns, leaf_of

ADVISORY_LOCK = 0x78696E79_75616E  # "xinyuan": the sealer's lock on PostgreSQL
BATCH_SIZE = 5_000


@dataclass
class SealReport:
    sealed: int = 0
    checkpoints: int = 0
    written_to_file: int = 0
    last_sequence: int = 0
    high_event_id: int = 0  # the highest event id sealed by this call (0: none)
    file_problem: str = ""
    batches: list[tuple[int, int]] = field(default_factory=list)  # (first, last) sequence


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])


def window_floor(now) -> int:
    """Ids at or below this are sealed, except late commits the full sweep finds."""
    cutoff = now - timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS)
    older = (
        AuditCheckpoint.objects.filter(created_at__lt=cutoff)
        .order_by("-sequence")
        .values_list("high_event_id", flat=True)
        .first()
    )
    return older or 0


def highest_sealed_event_id() -> int:
    """The highest event id any checkpoint covers (the loop's quick rounds start above it)."""
    return (
        AuditCheckpoint.objects.order_by("-sequence")
        .values_list("high_event_id", flat=True)
        .first()
        or 0
    )


def _pending(after_id: int, limit: int) -> list[tuple]:
    sql = (
        f"SELECT {event_columns('e.')} FROM {EVENT_TABLE} e "  # noqa: S608 - fixed names
        f"WHERE e.id > %s AND NOT EXISTS "
        # The same bound on the seals: a hash anti-join then reads only the window's seals.
        f"(SELECT 1 FROM {SEAL_TABLE} s WHERE s.event_id = e.id AND s.event_id > %s) "
        f"ORDER BY e.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [after_id, after_id, limit])
        return cursor.fetchall()


def _seal_batch(after_id: int, batch_size: int, now) -> tuple[int, int, int] | None:
    """One transaction: seal up to ``batch_size`` events with ids above ``after_id`` and sign a
    checkpoint. Returns (sealed, last sequence, highest id sealed) or None if nothing was due."""
    with transaction.atomic():
        _lock()
        rows = _pending(after_id, batch_size)
        if not rows:
            return None
        head = (
            AuditSeal.objects.order_by("-sequence").values_list("sequence", "chain").first()
        ) or (0, GENESIS)
        sequence, chain = head
        vendor = connection.vendor
        seals = []
        for row in rows:
            leaf = leaf_of(row, vendor)
            sequence += 1
            chain = next_chain(chain, leaf)
            seals.append(AuditSeal(sequence=sequence, event_id=row[0], leaf=leaf, chain=chain))
        AuditSeal.objects.bulk_create(seals)
        previous_high = (
            AuditCheckpoint.objects.order_by("-sequence")
            .values_list("high_event_id", flat=True)
            .first()
        ) or 0
        high = max(previous_high, rows[-1][0])
        signed = checkpoints.sign(sequence=sequence, chain=chain, created_at=now)
        AuditCheckpoint.objects.create(
            sequence=signed.sequence,
            chain=signed.chain,
            created_at=now,
            key_id=signed.key_id,
            signature=signed.signature,
            high_event_id=high,
        )
        return len(seals), sequence, rows[-1][0]


def seal_pending(
    *,
    full: bool = False,
    after_id: int | None = None,
    batch_size: int = BATCH_SIZE,
    now=None,
) -> SealReport:
    """Seal every committed event not yet sealed, then bring the checkpoint file up to date.

    Where to look: from the first event (``full``), above ``after_id`` (the loop's quick round:
    the events appended since its last round), or — by default — over the grace window, which
    also finds an event whose transaction took its id early and committed late."""
    report = SealReport()
    if in_application_transaction(transaction.get_connection()):
        # Inside a caller's transaction the lock and the checkpoints would outlive the batch,
        # and the file would get checkpoints that may yet be rolled back.
        raise RuntimeError("seal_pending runs its own transactions: call it outside one")
    if full:
        after_id = 0
    elif after_id is None:
        after_id = window_floor(now or timezone.now())
    while True:
        moment = now or timezone.now()
        done = _seal_batch(after_id, batch_size, moment)
        if done is None:
            break
        sealed, last_sequence, after_id = done
        report.high_event_id = max(report.high_event_id, after_id)
        report.sealed += sealed
        report.checkpoints += 1
        report.batches.append((last_sequence - sealed + 1, last_sequence))
        report.last_sequence = last_sequence
        _write_file(report)  # after each batch: a long first run must not outlast the grace
    _write_file(report)  # also when nothing was sealed: what a crash left unwritten
    return report


def _write_file(report: SealReport) -> None:
    try:
        report.written_to_file += write_checkpoint_file()
        report.file_problem = ""
    except (checkpoints.CheckpointFileMissing, OSError) as exc:
        report.file_problem = str(exc)


def _rows_after(sequence: int):
    return (
        AuditCheckpoint.objects.filter(sequence__gt=sequence)
        .order_by("sequence")
        .iterator(chunk_size=2_000)
    )


def write_checkpoint_file() -> int:
    """Append the database's checkpoints that the file lacks (after a crash between commit and
    write, too). A missing file is started only while the database has at most the checkpoints
    of this new log's first run: otherwise an operator decides (``--new-checkpoint-file``)."""
    path = checkpoints.checkpoint_file()
    create = not path.exists() and not _has_checkpoints_older_than_grace()
    return checkpoints.append(_rows_after, create=create)


def _has_checkpoints_older_than_grace() -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS)
    return AuditCheckpoint.objects.filter(created_at__lt=cutoff).exists()


def start_new_checkpoint_file(*, actor=None, reason: str, changes=None) -> str:
    """Archive the current checkpoint file and start a new one anchored at the database's newest
    checkpoint; audited, and the event sealed at once so the new file covers it."""
    if in_application_transaction(transaction.get_connection()):
        raise RuntimeError("start_new_checkpoint_file runs its own transactions")
    newest = AuditCheckpoint.objects.order_by("-sequence").first()
    archived = checkpoints.start_new_file([newest] if newest is not None else [])
    with transaction.atomic():
        record(
            actor=actor,
            action="audit_checkpoint_file",
            target=None,
            changes={
                "anchored_at": newest.sequence if newest is not None else 0,
                "archived_as": archived.name if archived is not None else "",
                "file": str(checkpoints.checkpoint_file()),
                **(changes or {}),
            },
            reason=reason,
        )
    seal_pending()
    return archived.name if archived is not None else ""
