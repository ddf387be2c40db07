"""Crypto-shredding of clinical words in the audit trail (HL-13 retention, PIPL erasure).

The trail is append-only and sealed, yet it keeps the old → new values of changed fields.
So the clinical free text in an event (the fields ``NOTE_FIELDS`` names, and the reason of
actions whose reason is clinical) is stored encrypted under a key of its own record: one key
per contact (its assessments, safety plan, follow-ups and disclosures share it). Retention and
an approved erasure delete the key; the ciphertext stays, so the log still verifies, but the
words can never be read again. Keys are wrapped with the field-encryption key (outside the
database) and re-wrapped by ``rotate_keys``.

Stored form: a shredded field's value is ``{"$enc": token}``; the event's changes carry
``"$subject": "contact:<pk>"``; an encrypted reason is ``"enc:v1:" + token``.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xinyuan.audit import registry
from xinyuan.core import crypto

SUBJECT_KEY = "$subject"
ENC_KEY = "$enc"
REASON_PREFIX = "enc:v1:"
SHREDDED = _("(erased)")

# Actions whose reason is what a counsellor wrote about the caller.
CLINICAL_REASON_ACTIONS = frozenset({"assess", "disclose", "consent_withdrawn"})


def _subject_keys():
    """The SubjectKey model, looked up by name: ``audit.models`` opens sealed values through
    this module, so this module does not import it back."""
    return apps.get_model("audit", "SubjectKey")


def subject_of(target) -> str | None:
    """The record whose key encrypts the target's clinical words (the apps say which)."""
    return registry.subject_of(target)


def _note_fields(target_type: str) -> tuple[str, ...]:
    return registry.sealed_fields(target_type)


def needs_sealing(target_type: str, action: str, changes: dict[str, Any], reason: str) -> bool:
    fields = _note_fields(target_type)
    return any(name in changes for name in fields) or bool(
        reason and action in CLINICAL_REASON_ACTIONS
    )


# Keys already committed, by subject, in this process: sealing the words of a contact being
# written costs no query after its first write here. A key enters only once its row is committed
# (a rolled-back first write must not leave a key the database does not have). Shredding drops
# it here; another process may still hold it, which only matters for a write to a record after
# retention or erasure anonymised it — and those records can no longer be changed.
_SEALING_KEYS: dict[str, Fernet] = {}
_SEALING_KEYS_MAX = 20_000


def _remember_key(subject: str, key: Fernet) -> None:
    if len(_SEALING_KEYS) >= _SEALING_KEYS_MAX:
        _SEALING_KEYS.clear()
    _SEALING_KEYS[subject] = key


def _new_key_for(subject: str) -> Fernet:
    known = _SEALING_KEYS.get(subject) if settings.AUDIT_CACHE_SEALING_KEYS else None
    if known is not None:
        return known
    SubjectKey = _subject_keys()
    kind, _sep, pk = subject.partition(":")
    row = SubjectKey.objects.filter(subject_type=kind, subject_pk=int(pk)).first()
    if row is None:
        # Two writers may seal the same contact's first words at once (``record`` takes no
        # lock): the second one's insert waits for the first and is skipped, then both read the
        # one key that exists.
        raw = Fernet.generate_key().decode()
        fresh = SubjectKey(subject_type=kind, subject_pk=int(pk), wrapped_key=crypto.encrypt(raw))
        SubjectKey.objects.bulk_create([fresh], ignore_conflicts=True)
        row = SubjectKey.objects.get(subject_type=kind, subject_pk=int(pk))
    key = Fernet(crypto.decrypt(row.wrapped_key).encode())
    if settings.AUDIT_CACHE_SEALING_KEYS:
        transaction.on_commit(lambda: _remember_key(subject, key))
    return key


def seal(
    *, target, target_type: str, action: str, changes: dict[str, Any], reason: str
) -> tuple[dict[str, Any], str]:
    """Encrypt the clinical values and reason under the subject's key (created on first use,
    once even when two writers race for it)."""
    if not needs_sealing(target_type, action, changes, reason):
        return changes, reason
    subject = subject_of(target)
    if subject is None:
        return changes, reason
    key = _new_key_for(subject)
    sealed = dict(changes)
    for name in _note_fields(target_type):
        if name in sealed:
            value = sealed[name]
            # An update's [old, new] pair keeps its shape, so an erased pair still reads as one.
            sealed[name] = (
                [_seal_value(key, v) for v in value]
                if isinstance(value, list)
                else _seal_value(key, value)
            )
    sealed[SUBJECT_KEY] = subject
    if reason and action in CLINICAL_REASON_ACTIONS:
        reason = REASON_PREFIX + key.encrypt(reason.encode()).decode()
    return sealed, reason


def _seal_value(key: Fernet, value: Any) -> dict[str, str]:
    plain = json.dumps(value, ensure_ascii=False, default=str)
    return {ENC_KEY: key.encrypt(plain.encode()).decode()}


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {ENC_KEY}


class KeyRing:
    """Unwrapped subject keys, looked up once per ring (make one per page or report)."""

    def __init__(self) -> None:
        self._keys: dict[str, Fernet | None] = {}

    def get(self, subject: str) -> Fernet | None:
        if subject not in self._keys:
            SubjectKey = _subject_keys()
            kind, _sep, pk = subject.partition(":")
            row = SubjectKey.objects.filter(subject_type=kind, subject_pk=int(pk)).first()
            self._keys[subject] = (
                Fernet(crypto.decrypt(row.wrapped_key).encode()) if row is not None else None
            )
        return self._keys[subject]


def open_changes(changes: dict[str, Any], ring: KeyRing | None = None) -> dict[str, Any]:
    """The changes with sealed values decrypted, or SHREDDED where the key is gone."""
    subject = changes.get(SUBJECT_KEY)
    if not subject:
        return changes
    key = (ring or KeyRing()).get(subject)
    opened = {}
    for name, value in changes.items():
        if name == SUBJECT_KEY:
            continue
        if _is_sealed(value):
            value = _open(key, value[ENC_KEY])
        elif isinstance(value, list) and any(_is_sealed(v) for v in value):
            value = [_open(key, v[ENC_KEY]) if _is_sealed(v) else v for v in value]
        opened[name] = value
    return opened


def _open(key: Fernet | None, token: str) -> Any:
    if key is None:
        return str(SHREDDED)
    try:
        return json.loads(key.decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return str(SHREDDED)


def open_reason(reason: str, changes: dict[str, Any], ring: KeyRing | None = None) -> str:
    if not reason.startswith(REASON_PREFIX):
        return reason
    subject = changes.get(SUBJECT_KEY)
    key = (ring or KeyRing()).get(subject) if subject else None
    if key is None:
        return str(SHREDDED)
    try:
        return key.decrypt(reason[len(REASON_PREFIX) :].encode()).decode()
    except InvalidToken:
        return str(SHREDDED)


def shred(contact_ids) -> int:
    """Destroy the keys of these contacts: their words in the trail become unreadable."""
    SubjectKey = _subject_keys()
    contact_ids = list(contact_ids)
    for pk in contact_ids:
        _SEALING_KEYS.pop(f"contact:{pk}", None)
    deleted, _per_model = SubjectKey.objects.filter(
        subject_type="contact", subject_pk__in=contact_ids
    ).delete()
    return deleted


def rewrap_all(batch_size: int = 500) -> int:
    """Re-wrap every subject key under the newest field-encryption key (``rotate_keys``)."""
    SubjectKey = _subject_keys()
    count = 0
    last = 0
    while True:
        rows = list(SubjectKey.objects.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not rows:
            return count
        for row in rows:
            rewrapped = crypto.reencrypt(row.wrapped_key)
            if rewrapped != row.wrapped_key:
                SubjectKey.objects.filter(pk=row.pk).update(wrapped_key=rewrapped)
                count += 1
        last = rows[-1].pk
