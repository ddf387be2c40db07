"""What the domain apps tell the audit trail about their records.

``audit`` knows no domain app (docs/architecture.md): each app registers, in its
``AppConfig.ready``, what the trail needs to know of its records —

- which fields are clinical free text, sealed in the trail under the key of a subject so that
  retention can shred them (``register_sealed_fields``, ``register_subject``);
- the labels of coded values it writes into events that are not fields of the record's model
  (``register_value_labels``);
- which records belong to a person, so an auditor finds a person's events
  (``register_person_records``);
- which queues of its own an auditor must work through (``register_review_queue``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_sealed_fields: dict[str, tuple[str, ...]] = {}
_subject_resolvers: list[Callable[[Any], str | None]] = []
_value_labels: dict[str, Callable[[], dict]] = {}
_person_finders: list[Callable[[Any, str], tuple[list[int], list]]] = []
_person_records: list[Callable[[list[int]], Iterable]] = []
_review_queues: list[Callable[[Any], ReviewQueue | None]] = []


def register_sealed_fields(model_label: str, fields: Iterable[str]) -> None:
    """The model's clinical free-text fields: sealed in the trail, shredded by retention."""
    _sealed_fields[model_label] = tuple(fields)


def sealed_fields(model_label: str) -> tuple[str, ...]:
    return _sealed_fields.get(model_label, ())


def all_sealed_fields() -> dict[str, tuple[str, ...]]:
    return dict(_sealed_fields)


def register_subject(resolver: Callable[[Any], str | None]) -> None:
    """``resolver(target)`` names the subject whose key seals the target's clinical words
    ("contact:<pk>"), or None when the target is not one of the app's records."""
    _subject_resolvers.append(resolver)


def subject_of(target) -> str | None:
    if target is None:
        return None
    for resolver in _subject_resolvers:
        subject = resolver(target)
        if subject:
            return subject
    return None


def register_value_labels(key: str, choices: Callable[[], dict]) -> None:
    """Labels of the coded values an app writes under ``key`` in its events (lazy: called when
    an event is shown, in the reader's language)."""
    _value_labels[key] = choices


def value_labels(key: str) -> dict:
    source = _value_labels.get(key)
    return source() if source is not None else {}


def register_person_finder(finder: Callable[[Any, str], tuple[list[int], list]]) -> None:
    """``finder(organisation_id, query)`` → (person pks, their public ids) for a label or id."""
    _person_finders.append(finder)


def register_person_records(records: Callable[[list[int]], Iterable]) -> None:
    """``records(person_pks)`` → the public ids of the app's records that belong to them."""
    _person_records.append(records)


def person_record_ids(organisation_id, query: str) -> list:
    """The person's own id and the ids of every record that belongs to them."""
    pks: list[int] = []
    ids: list = []
    for finder in _person_finders:
        found_pks, found_ids = finder(organisation_id, query)
        pks += found_pks
        ids += found_ids
    if not pks:
        return []
    for records in _person_records:
        ids += list(records(pks))
    return ids


@dataclass(frozen=True)
class ReviewQueue:
    """Something an auditor must review (emergency accesses …): shown on the audit page."""

    label: str
    url: str
    open_count: int


def register_review_queue(queue: Callable[[Any], ReviewQueue | None]) -> None:
    _review_queues.append(queue)


def review_queues(user) -> list[ReviewQueue]:
    return [q for q in (queue(user) for queue in _review_queues) if q is not None]
