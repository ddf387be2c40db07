"""Signed checkpoints of the audit log: the keys, the signature, and the file outside the database.

The signing key (``XINYUAN_AUDIT_SIGNING_KEY``, an Ed25519 seed) lives in the environment, not in
the database; in development it is derived from SECRET_KEY like the other keys (core/crypto.py).
A verifier needs only public keys. ``key_id`` is the first 16 hex digits of the SHA-256 of the
raw public key.

The checkpoint file (``XINYUAN_AUDIT_CHECKPOINT_FILE``) holds one JSON line per checkpoint, in
sequence order, created 0600 and fsync'ed after each append. It is what shows that events were
removed from the end of the log: keep it on storage the database's holder cannot rewrite.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils import timezone

from xinyuan.audit.chain import checkpoint_message, checkpoint_time


class UnusableKey(ValueError):
    """A key given in the settings or on the command line is not usable."""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as signed and as written to the file (times as their signed text)."""

    sequence: int
    chain: str
    created_at: str
    key_id: str
    signature: str

    def as_line(self) -> str:
        return json.dumps(
            {
                "sequence": self.sequence,
                "chain": self.chain,
                "created_at": self.created_at,
                "key_id": self.key_id,
                "signature": self.signature,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_row(cls, row) -> Checkpoint:
        return cls(row.sequence, row.chain, checkpoint_time(row.created_at), row.key_id,
                   row.signature)  # fmt: skip

    def message(self) -> bytes:
        return checkpoint_message(
            sequence=self.sequence, chain=self.chain, created_at=self.created_at
        )


# Keys ------------------------------------------------------------------------------------------


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(_raw_public(key)).decode()


def _b64_32(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise UnusableKey(f"{what} must be the base64 of 32 bytes")
    return raw


@lru_cache(maxsize=4)
def _signing_key(configured: str, secret: str) -> Ed25519PrivateKey:
    if configured:
        seed = _b64_32(configured, "XINYUAN_AUDIT_SIGNING_KEY")
    else:  # development: derived from SECRET_KEY (production refuses to start without a key)
        seed = hashlib.sha256(f"xinyuan:audit-signing:{secret}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(settings.AUDIT_SIGNING_KEY, settings.SECRET_KEY)


def parse_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_b64_32(text, "an audit verify key"))


def trusted_keys(public_keys: list[str] | None = None) -> dict[str, Ed25519PublicKey]:
    """The keys a verifier trusts, by key_id: those given (``--public-key``) alone if any, else
    the current signing key's public key and the retired ones (``XINYUAN_AUDIT_VERIFY_KEYS``).

    Given keys replace the configured ones: an assessor who names the key must not also trust
    a key derived from a development SECRET_KEY that anyone may know."""
    if public_keys:
        keys = [parse_public_key(text) for text in public_keys]
    else:
        keys = [signing_key().public_key()]
        keys += [parse_public_key(text) for text in settings.AUDIT_VERIFY_KEYS]
    return {key_id_of(key): key for key in keys}


def sign(*, sequence: int, chain: str, created_at=None) -> Checkpoint:
    key = signing_key()
    moment = checkpoint_time(created_at or timezone.now())
    signature = key.sign(checkpoint_message(sequence=sequence, chain=chain, created_at=moment))
    return Checkpoint(sequence, chain, moment, key_id_of(key.public_key()),
                      base64.b64encode(signature).decode())  # fmt: skip


def signature_ok(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> bool:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.message())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


# The file --------------------------------------------------------------------------------------


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


@dataclass
class FileLine:
    number: int
    checkpoint: Checkpoint | None  # None: not a checkpoint (a torn or foreign line)
    text: str


def read_file(path: Path) -> Iterator[FileLine]:
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            yield FileLine(number, _parse(text), text.rstrip("\n"))


def _parse(text: str) -> Checkpoint | None:
    try:
        data = json.loads(text)
        return Checkpoint(int(data["sequence"]), str(data["chain"]), str(data["created_at"]),
                          str(data["key_id"]), str(data["signature"]))  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return None


def _last_sequence(handle) -> int:
    """The sequence of the file's last checkpoint line (0 for an empty file): read from the end."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    block, data = 4096, b""
    while size > 0:
        step = min(block, size)
        size -= step
        handle.seek(size)
        data = handle.read(step) + data
        lines = data.split(b"\n")
        # The first piece may be cut; every later complete one can be read.
        for raw in reversed(lines[1:] if size > 0 else lines):
            parsed = _parse(raw.decode("utf-8", "replace")) if raw.strip() else None
            if parsed is not None:
                return parsed.sequence
        if len(data) > 1_048_576:  # a megabyte of lines that are not checkpoints: give up
            break
    return 0


class CheckpointFileMissing(RuntimeError):
    pass


def append(rows_after, *, create: bool) -> int:
    """Append to the file every checkpoint the database holds beyond the file's last one.

    ``rows_after(sequence)`` yields the database's checkpoints after a sequence, in order.
    The file is locked while it is read and appended to (two sealers never write a line twice),
    and fsync'ed. A missing file is created (0600) only when ``create``: the database holds no
    checkpoint older than the ones being written (a new log), or an operator starts a new file.
    """
    path = checkpoint_file()
    if not path.exists() and not create:
        raise CheckpointFileMissing(
            f"The audit checkpoint file {path} is missing while the database holds checkpoints: "
            "restore it from its copy beside the backups, or start a new one with "
            "`manage.py seal_audit --new-checkpoint-file` (audited)."
        )
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        last = _last_sequence(handle)
        handle.seek(0, os.SEEK_END)
        ends_cleanly = handle.tell() == 0 or _ends_with_newline(handle)
        lines = [Checkpoint.from_row(row).as_line() for row in rows_after(last)]
        if lines:
            text = ("" if ends_cleanly else "\n") + "\n".join(lines) + "\n"
            handle.write(text.encode())
            handle.flush()
            os.fsync(handle.fileno())
        return len(lines)


def _ends_with_newline(handle) -> bool:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1) == b"\n"


def start_new_file(anchor_rows) -> Path | None:
    """Archive the current file (renamed with the time) and start a new one whose first line is
    the database's newest checkpoint (``anchor_rows``: that row, or none). Returns the archive."""
    path = checkpoint_file()
    archived = None
    if path.exists():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
        archived = path.with_name(f"{path.name}.{stamp}.archived")
        os.replace(path, archived)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        for row in anchor_rows:
            handle.write((Checkpoint.from_row(row).as_line() + "\n").encode())
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path.parent)
    return archived


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
