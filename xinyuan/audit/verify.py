"""Verification of the sealed audit log (``manage.py verify_audit``).

1. Every seal, in sequence order: the event it seals is there, its leaf recomputed from the
   stored row equals the stored leaf, and the chain recomputed from the leaves equals the stored
   chain and every checkpoint's chain. Long logs are walked in stretches in parallel processes.
2. Signatures: the newest checkpoint's signature vouches for every chain value before it (each
   chain value commits to all earlier leaves), so it is checked always; if it fails, bisection
   finds the first checkpoint that is not validly signed (everything the attacker rewrote
   after a change). ``all_signatures`` checks each one (slow: ~0.1 ms a signature here).
3. The checkpoint file: each line is compared with the database. A signed checkpoint in the file
   that the database lacks beyond its end means events were removed from the end.
4. Events not yet sealed: a warning when older than the grace period (a failure if ``strict``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xinyuan.audit import checkpoints
from xinyuan.audit.chain import GENESIS, LEAF_TAG
from xinyuan.audit.checkpoints import Checkpoint
from xinyuan.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from xinyuan.audit.rows import EVENT_TABLE, SEAL_TABLE, dashed_uuid, event_columns
from xinyuan.audit.sealing import window_floor

PARALLEL_FROM = 200_000  # seals; below this one process is quicker than starting others


@dataclass
class Result:
    ok: bool
    checked: int  # sealed events verified
    problem: str = ""  # the first failure
    sequence: int | None = None
    public_id: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last_checkpoint: int = 0
    unsealed: int = 0
    file_ahead: int = 0  # the file's newest signed checkpoint beyond the database's (restore)

    def fail(self, problem: str, sequence: int | None = None, public_id=None) -> None:
        if self.ok:
            self.problem, self.sequence = problem, sequence
            self.public_id = None if public_id is None else str(public_id)
        self.ok = False
        self.problems.append(problem)


# 1. The walk over the seals ------------------------------------------------------------------


def _rows(chunk_size: int, first: int, last: int):
    """Seals first..last in order, each with its event's columns."""
    sql = (
        f"SELECT s.sequence, s.leaf, s.chain, s.event_id, {event_columns('e.')} "  # noqa: S608 - integers only
        f"FROM {SEAL_TABLE} s LEFT JOIN {EVENT_TABLE} e ON e.id = s.event_id "
        f"WHERE s.sequence >= {int(first)} AND s.sequence <= {int(last)} ORDER BY s.sequence"
    )
    if connection.vendor == "postgresql":
        with transaction.atomic():
            # A server-side cursor: rows stream in chunks instead of all at once.
            with connection.connection.cursor(name="xinyuan_verify_audit") as cursor:
                cursor.itersize = chunk_size
                cursor.execute(sql)
                yield from cursor
        return
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(chunk_size):
            yield from chunk
    finally:
        cursor.close()


@dataclass
class _Walk:
    """One stretch of seals: how far it got, and its first failure."""

    first: int
    checked: int
    failure: tuple[str, int, str | None] | None = None  # (problem, sequence, public id)
    checkpoint_mismatch: int | None = None  # a checkpoint whose chain the walk does not reach


def _chain_before(first: int) -> str:
    if first == 1:
        return GENESIS
    stored = AuditSeal.objects.filter(sequence=first - 1).values_list("chain", flat=True).first()
    return stored or ""


def _checkpoints(first: int, last: int):
    """(sequence, chain) of the checkpoints in a stretch, in order: merged with the seals."""
    yield from (
        AuditCheckpoint.objects.filter(sequence__gte=first, sequence__lte=last)
        .order_by("sequence")
        .values_list("sequence", "chain")
        .iterator(chunk_size=10_000)
    )
    yield (None, None)


def _walk(first: int, last: int, chunk_size: int) -> _Walk:
    """Verify seals first..last. The leaf is computed inline, exactly as ``chain.leaf_hash``
    over ``rows.leaf_of`` (the sealer's path): a call per field costs a third of the time."""
    sqlite = connection.vendor == "sqlite"
    sha256, tag = hashlib.sha256, LEAF_TAG
    expected, checked = first, 0
    chain = _chain_before(first)
    marks = _checkpoints(first, last)
    mark, mark_chain = next(marks)
    for row in _rows(chunk_size, first, last):
        (sequence, stored_leaf, stored_chain, event_id, eid, public_id, created_at, org_id,
         actor_id, role, action, target_type, target_id, changes_json, reason, ip,
         user_agent) = row  # fmt: skip
        if sequence != expected:
            problem = f"seal #{expected} is missing (the next present is #{sequence})"
            return _Walk(first, checked, (problem, expected, None))
        if eid is None:
            problem = f"the event sealed as #{sequence} (id {event_id}) is missing"
            return _Walk(first, checked, (problem, sequence, None))
        if sqlite:
            public_id, target_id = dashed_uuid(public_id), dashed_uuid(target_id)
        created_at = created_at.replace(" ", "T", 1)
        if created_at.endswith(".000000"):
            created_at = created_at[:-7]
        text = "\x1f".join((
            tag, str(eid), public_id, created_at + "+00:00",
            "" if org_id is None else str(org_id), "" if actor_id is None else str(actor_id),
            role, action, target_type, "" if target_id is None else target_id, changes_json,
            reason, ip or "", user_agent,
        ))  # fmt: skip
        if sha256(text.encode()).hexdigest() != stored_leaf:
            public = public_id if sqlite else str(public_id)
            return _Walk(first, checked, ("content changed", sequence, public))
        chain = sha256((chain + stored_leaf).encode()).hexdigest()
        if chain != stored_chain:
            # The seals were rewritten: whatever changed lies at or before this seal.
            problem = f"the chain is broken at seal #{sequence} (seals rewritten)"
            return _Walk(first, checked, (problem, sequence, None))
        while mark is not None and mark < sequence:
            mark, mark_chain = next(marks)
        if mark == sequence:
            if mark_chain != chain:
                return _Walk(first, checked, None, checkpoint_mismatch=sequence)
            mark, mark_chain = next(marks)
        expected += 1
        checked += 1
    if expected <= last:
        problem = (
            f"events removed from the end: the checkpoint #{last} covers more than the seals, "
            f"which end at #{expected - 1}"
        )
        return _Walk(first, checked, (problem, expected, None))
    return _Walk(first, checked)


def _walk_in_child(args) -> _Walk:
    first, last, chunk_size = args
    try:
        return _walk(first, last, chunk_size)
    finally:
        connection.close()


def _can_fork() -> bool:
    """Other processes read the committed log through their own connections: not inside a
    transaction (they would not see its rows) nor on an in-memory database."""
    name = str(connection.settings_dict.get("NAME", ""))
    in_memory = connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name)
    return not in_memory and not connection.in_atomic_block


def _parallel(limit: int, workers: int, chunk_size: int) -> list[_Walk]:
    import multiprocessing

    from django.db import connections

    size = -(-limit // workers)
    stretches = [
        (1 + i * size, min(limit, (i + 1) * size), chunk_size)
        for i in range(workers)
        if 1 + i * size <= limit
    ]
    connections.close_all()  # each process opens its own connection
    with multiprocessing.get_context("fork").Pool(len(stretches)) as pool:
        return pool.map(_walk_in_child, stretches)


def _previous_checkpoint(sequence: int) -> int:
    before = (
        AuditCheckpoint.objects.filter(sequence__lt=sequence)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return before or 0


def _span(before: int, at: int) -> str:
    return f"#{before + 1}" if before + 1 == at else f"#{before + 1}..#{at}"


# 2. Signatures ----------------------------------------------------------------------------------


def _first_unsigned(keys, upto: int) -> AuditCheckpoint | None:
    """Bisection for the first checkpoint (up to ``upto``) not validly signed, assuming all
    after it are not either (what rewriting the log after a change leaves)."""
    lo, hi, found = 1, upto, None
    while lo <= hi:
        mid = (lo + hi) // 2
        row = AuditCheckpoint.objects.filter(sequence__gte=mid).order_by("sequence").first()
        if row is None or row.sequence > hi:
            hi = mid - 1
            continue
        if checkpoints.signature_ok(Checkpoint.from_row(row), keys):
            lo = row.sequence + 1
        else:
            found, hi = row, mid - 1
    return found


def _check_signatures(result: Result, keys, newest: AuditCheckpoint, every: bool) -> None:
    if every:
        for row in AuditCheckpoint.objects.order_by("sequence").iterator(chunk_size=2_000):
            if not checkpoints.signature_ok(Checkpoint.from_row(row), keys):
                _unsigned(result, row, keys)
                return
        return
    if checkpoints.signature_ok(Checkpoint.from_row(newest), keys):
        return
    _unsigned(result, _first_unsigned(keys, newest.sequence) or newest, keys)


def _unsigned(result: Result, row: AuditCheckpoint, keys) -> None:
    why = "signed by an unknown key" if row.key_id not in keys else "its signature is not valid"
    before = _previous_checkpoint(row.sequence)
    result.fail(
        f"checkpoint #{row.sequence} is forged ({why}): events {_span(before, row.sequence)} "
        "may have been changed and the log re-chained",
        row.sequence,
    )


# 3. The checkpoint file -------------------------------------------------------------------------


def _check_file(result: Result, path: Path, keys, newest_sequence: int, file_ahead_ok: bool):
    if not path.exists():
        if newest_sequence:
            result.fail(
                f"the checkpoint file {path} is missing: whether events were removed from the "
                "end cannot be told"
            )
        return
    batch: list = []
    last_in_file: Checkpoint | None = None
    for line in checkpoints.read_file(path):
        if line.checkpoint is None:
            if line.text.strip():
                result.warnings.append(f"line {line.number} of {path.name} is not a checkpoint")
            continue
        batch.append(line)
        if last_in_file is None or line.checkpoint.sequence >= last_in_file.sequence:
            last_in_file = line.checkpoint
        if len(batch) >= 1_000:
            _compare_lines(result, batch, keys, newest_sequence, file_ahead_ok)
            batch = []
    _compare_lines(result, batch, keys, newest_sequence, file_ahead_ok)
    behind = AuditCheckpoint.objects.filter(
        sequence__gt=last_in_file.sequence if last_in_file else 0,
        created_at__lt=timezone.now() - timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS),
    ).count()
    if behind:
        result.warnings.append(
            f"{behind} checkpoints older than the grace period are not in {path.name} yet "
            "(is the sealer able to write it?)"
        )


def _compare_lines(result: Result, lines, keys, newest_sequence: int, file_ahead_ok: bool):
    if not lines:
        return
    sequences = [line.checkpoint.sequence for line in lines]
    stored = {row.sequence: row for row in AuditCheckpoint.objects.filter(sequence__in=sequences)}
    chains = dict(AuditSeal.objects.filter(sequence__in=sequences).values_list("sequence", "chain"))
    for line in lines:
        mine: Checkpoint = line.checkpoint
        row = stored.get(mine.sequence)
        if row is not None and Checkpoint.from_row(row) == mine:
            continue
        signed = checkpoints.signature_ok(mine, keys)
        where = f"line {line.number} of the checkpoint file"
        if not signed:
            result.fail(f"{where} (checkpoint #{mine.sequence}) is forged", mine.sequence)
        elif row is not None:
            result.fail(
                f"checkpoint #{mine.sequence} in the database differs from the signed one in the "
                "file (the database was rewritten)",
                mine.sequence,
            )
        elif mine.sequence > newest_sequence and mine.sequence not in chains:
            result.file_ahead = max(result.file_ahead, mine.sequence)
            if not file_ahead_ok:
                result.fail(
                    f"events removed from the end: the checkpoint file knows checkpoint "
                    f"#{mine.sequence} ({mine.created_at}) but the database ends at "
                    f"#{newest_sequence}",
                    mine.sequence,
                )
        elif chains.get(mine.sequence) != mine.chain:
            before = _previous_checkpoint(mine.sequence)
            result.fail(
                f"content changed in events {_span(before, mine.sequence)}: the database's "
                f"chain at #{mine.sequence} differs from the signed checkpoint in the file",
                mine.sequence,
            )
        else:
            result.warnings.append(
                f"checkpoint #{mine.sequence} is in the file but not in the database (its chain "
                "value agrees)"
            )


# 4. Events not yet sealed -----------------------------------------------------------------------


def _check_unsealed(result: Result, now, strict: bool) -> None:
    total = AuditEvent.objects.count()
    sealed = AuditSeal.objects.count()
    result.unsealed = max(0, total - sealed)
    if not result.unsealed:
        return
    # Usually the unsealed events are the last few: look among ids the sealer's window covers
    # first, and only if some are missing there through the whole table.
    unsealed = AuditEvent.objects.filter(id__gt=window_floor(now), seal__isnull=True)
    if unsealed.count() != result.unsealed:
        unsealed = AuditEvent.objects.filter(seal__isnull=True)
    oldest = unsealed.order_by("created_at").values_list("created_at", flat=True).first()
    grace = timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS)
    if oldest is None or oldest >= now - grace:
        result.notes.append(f"{result.unsealed} recent events are not sealed yet")
        return
    late = unsealed.filter(created_at__lt=now - grace).count()
    message = (
        f"{late} events unsealed for longer than {settings.AUDIT_SEAL_GRACE_SECONDS} s, the "
        f"oldest since {timezone.localtime(oldest).isoformat(timespec='seconds')} (is the sealer "
        "running? `manage.py seal_audit --full` seals them)"
    )
    if strict:
        result.fail(message)
    else:
        result.warnings.append(message)


# The whole check --------------------------------------------------------------------------------


def verify_chain(
    chunk_size: int = 20_000,
    workers: int = 1,
    *,
    public_keys: list[str] | None = None,
    checkpoint_file: Path | None = None,
    strict: bool = False,
    all_signatures: bool = False,
    file_ahead_ok: bool = False,
    now=None,
) -> Result:
    """Verify the sealed log (see the module's doc). ``file_ahead_ok``: after restoring an older
    backup, the file knowing later checkpoints is expected (reported as ``file_ahead``)."""
    now = now or timezone.now()
    keys = checkpoints.trusted_keys(public_keys)
    path = Path(checkpoint_file or checkpoints.checkpoint_file())
    result = Result(ok=True, checked=0)
    # The newest checkpoint first: what is sealed while the log is read is not "removed".
    newest = AuditCheckpoint.objects.order_by("-sequence").first()
    limit = newest.sequence if newest is not None else 0
    result.last_checkpoint = limit
    if limit and workers > 1 and limit >= PARALLEL_FROM and _can_fork():
        walks = _parallel(limit, workers, chunk_size)
    elif limit:
        walks = [_walk(1, limit, chunk_size)]
    else:
        walks = []
    for walk in walks:
        result.checked += walk.checked
        if walk.failure is not None:
            problem, sequence, public_id = walk.failure
            if problem == "content changed":
                problem = f"content changed: event #{sequence} ({public_id}) differs from its seal"
            result.fail(problem, sequence, public_id)
            break
        if walk.checkpoint_mismatch is not None:
            at = walk.checkpoint_mismatch
            before = _previous_checkpoint(at)
            result.fail(
                f"content changed in events {_span(before, at)}: the chain does not reach "
                f"checkpoint #{at}",
                at,
            )
            break
    if newest is not None and result.ok:
        _check_signatures(result, keys, newest, all_signatures)
    stray = AuditSeal.objects.filter(sequence__gt=limit).order_by("sequence").first()
    if (
        stray is not None
        and not AuditCheckpoint.objects.filter(sequence__gte=stray.sequence).exists()
    ):
        result.fail(
            f"seals from #{stray.sequence} on carry no signed checkpoint (checkpoints removed "
            "from the end)",
            stray.sequence,
        )
    _check_file(result, path, keys, limit, file_ahead_ok)
    _check_unsealed(result, now, strict)
    return result
