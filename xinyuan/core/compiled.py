"""A model query compiled once per process, run again with other values.

Django compiles a queryset's SQL on every evaluation. For the lookup every contact request
makes (a contact by its public id in the reader's scope, joined to its counsellor, seat and
person: 79 columns) compiling cost more CPU than running the statement (docs/benchmarks.md,
issue 9). ``CompiledQuery`` builds the queryset once per shape with sentinel values, compiles
it, finds where each sentinel lands among the statement's parameters, and from then on runs the
same SQL with the real values in those places and turns the rows into model instances as
Django's ``ModelIterable`` does (``from_db`` and the related-object populators, so deferred
fields, ``select_related`` objects and field converters behave the same).

The queryset still comes from the selector that scopes it: the scope is written once.
Values: int, str and UUID. Supported: model querysets without annotations, extra selects or
``prefetch_related``; a shape whose parameters cannot all be traced to a sentinel raises at its
first compile, so a new filter fails loudly in the tests, never silently with stale values.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Sentinels: values no real record has, recognisable among compiled parameters.
_INT_SENTINEL_BASE = -7_301_000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[tuple[str, str], ...]  # per parameter: (value name, "same" | "hex")
    model: Any
    start: int
    end: int
    init_list: tuple[str, ...]
    populators: tuple
    converters: tuple  # (position, converters, expression)


class CompiledQuery:
    """``build(shape, values)`` returns the queryset of ``model`` for a shape (whatever
    besides the values decides the SQL, e.g. the reader's scope) and a dict of values (ints and
    strings and UUIDs, named with their type in ``names``)."""

    def __init__(
        self,
        model,
        build: Callable[[Hashable, dict[str, Any]], QuerySet],
        names: dict[str, type],
    ):
        self.model = model
        self.build = build
        self.names = names  # value name -> int or uuid.UUID
        self._cache: dict[Hashable, _Compiled | None] = {}
        self._lock = threading.Lock()

    def _sentinels(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for index, (name, kind) in enumerate(self.names.items()):
            if kind is int:
                values[name] = _INT_SENTINEL_BASE - index
            elif kind is uuid.UUID:
                values[name] = uuid.UUID(int=0x7301_0000_0000_0000_0000_0000_0000_0000 + index)
            elif kind is str:
                values[name] = f"\u2042compiled-sentinel-{index}\u2042"
            else:
                raise TypeError(f"{name}: only int, str and UUID values can be compiled")
        return values

    def _compile(self, alias: str, shape: Hashable) -> _Compiled | None:
        sentinels = self._sentinels()
        queryset = self.build(shape, sentinels)
        query = queryset.query
        if queryset.model is not self.model:
            raise ValueError("CompiledQuery: the queryset is not of its model")
        if query.annotations or query.extra or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise ValueError("CompiledQuery takes plain model querysets only")
        compiler = query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None  # a scope that can hold nothing (Model.objects.none())
        slots = []
        for param in params:
            matches = [
                (name, "same" if param == value else "hex")
                for name, value in sentinels.items()
                if param == value or (isinstance(value, uuid.UUID) and param == value.hex)
            ]
            if len(matches) != 1:
                raise ValueError(f"CompiledQuery: a parameter without a sentinel: {param!r}")
            slots.append(matches[0])
        if compiler.has_extra_select or compiler.annotation_col_map:
            raise ValueError("CompiledQuery takes plain model querysets only")
        klass_info, select = compiler.klass_info, compiler.select
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            # django-stubs describe Django 6's signature (with fetch_mode); this is 5.2's.
            populators=tuple(get_related_populators(klass_info, select, alias)),  # type: ignore[call-arg]
            converters=tuple((pos, convs, expr) for pos, (convs, expr) in converters.items()),
        )

    def fetch(self, shape: Hashable, values: dict[str, Any]) -> list:
        """The instances the queryset ``build(shape, values)`` would return."""
        alias = router.db_for_read(self.model)
        key = (alias, shape)
        try:
            compiled = self._cache[key]
        except KeyError:
            with self._lock:  # once per process and shape
                if key not in self._cache:
                    self._cache[key] = self._compile(alias, shape)
                compiled = self._cache[key]
        if compiled is None:
            return []
        params = [
            values[name].hex if how == "hex" else values[name] for name, how in compiled.slots
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        found = []
        for raw in rows:
            row = list(raw)
            for pos, convs, expression in compiled.converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            obj = compiled.model.from_db(
                alias, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found
