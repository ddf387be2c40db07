"""One timeline of everything in a person's file (CM-01), newest first, filterable, paged.

The records live in several apps (contacts and risk assessments in ``hotline``, self-test
results in ``assessments``, follow-ups, referrals, high-risk reports and file entries here), and
``cases`` sits below them in the layering. So each app registers a *source* in its
``AppConfig.ready`` (``register_source``): a function that returns the person's items of one
kind, newest first, after a cursor, at most ``limit``. ``timeline`` asks each source selected for
``limit + 1`` items and merges them: one indexed query per source and page, whatever the size of
the file (the benchmark's 1M persons / 3M contacts, ``bench/person_bench.py``).

Order and cursor: (time, kind, id), all descending; a page's cursor is its last item's triple,
so paging neither skips nor repeats items that share a timestamp.

What an item shows is a summary (date, type, level, who): the clinical words stay behind the
record's own page and its access rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Cursor:
    at: datetime
    kind: str
    pk: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}~{self.kind}~{self.pk}"

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            at_text, kind, pk_text = value.split("~")
            at = parse_datetime(at_text)
            pk = int(pk_text)
        except ValueError as exc:
            raise ValidationError({"before": _("This page link is not valid.")}) from exc
        if at is None or kind not in SOURCES:
            raise ValidationError({"before": _("This page link is not valid.")})
        return cls(at=at, kind=kind, pk=pk)


@dataclass(frozen=True)
class Item:
    at: datetime
    kind: str
    pk: int
    title: str
    detail: str = ""
    level: str = ""  # a risk level ("high" …) for the badge, when the item has one
    level_label: str = ""
    url: str = ""
    public_id: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.kind, self.pk)


Fetch = Callable[[object, object, "Cursor | None", int], Iterable[Item]]


@dataclass(frozen=True)
class Source:
    kind: str
    label: Callable[[], str]
    fetch: Fetch


SOURCES: dict[str, Source] = {}


def register_source(kind: str, label: Callable[[], str], fetch: Fetch) -> None:
    """``fetch(user, person, cursor, limit)``: the person's items of ``kind`` strictly after
    ``cursor`` in timeline order (use ``after_cursor``), newest first, at most ``limit``."""
    SOURCES[kind] = Source(kind=kind, label=label, fetch=fetch)


def after_cursor(kind: str, cursor: Cursor | None, field_name: str, pk_name: str = "pk") -> Q:
    """The items of ``kind`` that come after ``cursor`` in (time, kind, id) descending order."""
    if cursor is None:
        return Q()
    if kind < cursor.kind:
        return Q(**{f"{field_name}__lte": cursor.at})
    if kind > cursor.kind:
        return Q(**{f"{field_name}__lt": cursor.at})
    return Q(**{f"{field_name}__lt": cursor.at}) | Q(
        **{field_name: cursor.at, f"{pk_name}__lt": cursor.pk}
    )


def kinds() -> list[tuple[str, str]]:
    """The kinds a timeline can be filtered by, with their names in the user's language."""
    return [(kind, source.label()) for kind, source in sorted(SOURCES.items())]


def timeline(
    user, person, *, only: Iterable[str] = (), before: Cursor | None = None, limit: int = 50
) -> tuple[list[Item], Cursor | None]:
    """A page of the person's timeline and the cursor of the next page (None at the end).

    ``user`` must already have access to the file (``cases.access.access_file``); sources
    decide per item whether a link to the record is offered."""
    selected = [SOURCES[k] for k in sorted(set(only) or SOURCES) if k in SOURCES]
    items: list[Item] = []
    for source in selected:
        items.extend(source.fetch(user, person, before, limit + 1))
    items.sort(key=lambda i: (i.at, i.kind, i.pk), reverse=True)
    page = items[:limit]
    more = len(items) > limit
    return page, (page[-1].cursor if more and page else None)
