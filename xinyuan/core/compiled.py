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
Values: int, str and UUID. The queryset is compiled twice, with two sets of sentinels: a
parameter equal in both is a constant of the query (a literal, a status code) and is kept; one
that holds a sentinel is filled in on each run; any other (a value the build computes itself,
such as the time now) refuses at the first compile, so a new filter fails loudly in the tests,
never silently with stale values. ``fetch`` takes model querysets without annotations or extra
selects; ``rows`` takes ``values_list`` querysets (aggregates and unions included).
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

# Sentinels: values no real record has, recognisable among compiled parameters. Two sets, so
# that a parameter that is the same in both compiles is known to be a constant of the query.
_INT_SENTINEL_BASE = (-7_301_000, -7_302_000)
_CONSTANT = ""  # a slot's name when the parameter is a constant


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per parameter: (value name, "same" | "hex", constant); name _CONSTANT: the constant.
    slots: tuple[tuple[str, str, Any], ...]
    converters: tuple  # (position, converters, expression)
    model: Any = None  # for instances; None: rows
    start: int = 0
    end: int = 0
    init_list: tuple[str, ...] = ()
    populators: tuple = ()


class CompiledQuery:
    """``build(shape, values)`` returns a queryset of ``model`` (for ``rows``: any model in
    the same database as ``model``) for a shape (whatever besides
    the values decides the SQL, e.g. the reader's scope) and a dict of values (ints, strings
    and UUIDs, named with their type in ``names``). ``fetch`` gives model instances, ``rows``
    the tuples of a ``values_list`` query (aggregates and unions included)."""

    def __init__(
        self,
        model,
        build: Callable[[Hashable, dict[str, Any]], QuerySet],
        names: dict[str, type],
    ):
        self.model = model
        self.build = build
        self.names = names  # value name -> int, str or uuid.UUID
        self._cache: dict[Hashable, _Compiled | None] = {}
        self._lock = threading.Lock()

    def _sentinels(self, which: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for index, (name, kind) in enumerate(self.names.items()):
            if kind is int:
                values[name] = _INT_SENTINEL_BASE[which] - index
            elif kind is uuid.UUID:
                values[name] = uuid.UUID(int=(0x7301 + which) << 112 | index)
            elif kind is str:
                values[name] = f"\u2042compiled-sentinel-{which}-{index}\u2042"
            else:
                raise TypeError(f"{name}: only int, str and UUID values can be compiled")
        return values

    @staticmethod
    def _slot(sentinels: dict[str, Any], param) -> tuple[str, str] | None:
        for name, value in sentinels.items():
            if param == value and type(param) is type(value):
                return name, "same"
            if isinstance(value, uuid.UUID) and param == value.hex:
                return name, "hex"
        return None

    def _compile(self, alias: str, shape: Hashable, rows: bool) -> _Compiled | None:
        compiled = []
        for which in (0, 1):
            queryset = self.build(shape, self._sentinels(which))
            if not rows and queryset.model is not self.model:
                raise ValueError("CompiledQuery: the queryset is not of its model")
            query = queryset.query
            if query.extra or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
                raise ValueError("CompiledQuery takes plain querysets only")
            compiler = query.get_compiler(using=alias)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return None  # a scope that can hold nothing (Model.objects.none())
            compiled.append((compiler, sql, params))
        (compiler, sql, params), (_c, other_sql, other_params) = compiled
        if sql != other_sql or len(params) != len(other_params):
            raise ValueError("CompiledQuery: the SQL depends on the values, not only the shape")
        sentinels = (self._sentinels(0), self._sentinels(1))
        slots: list[tuple[str, str, Any]] = []
        for param, other in zip(params, other_params, strict=True):
            first, second = self._slot(sentinels[0], param), self._slot(sentinels[1], other)
            if first is not None and first == second:
                slots.append((first[0], first[1], None))
            elif first is None and second is None and param == other:
                slots.append((_CONSTANT, "", param))  # the same in both: part of the query
            else:
                raise ValueError(f"CompiledQuery: a parameter without a sentinel: {param!r}")
        select = compiler.select
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        converters_ = tuple((pos, convs, expr) for pos, (convs, expr) in converters.items())
        if rows:
            if compiler.klass_info is not None:
                raise ValueError("CompiledQuery.rows takes values_list querysets")
            return _Compiled(sql=sql, slots=tuple(slots), converters=converters_)
        if compiler.has_extra_select or compiler.annotation_col_map or not compiler.klass_info:
            raise ValueError("CompiledQuery takes plain model querysets only")
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            converters=converters_,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            # django-stubs describe Django 6's signature (with fetch_mode); this is 5.2's.
            populators=tuple(get_related_populators(klass_info, select, alias)),  # type: ignore[call-arg]
        )

    def _run(self, shape, values, rows: bool):
        alias = router.db_for_read(self.model)
        key = (alias, shape, rows)
        try:
            compiled = self._cache[key]
        except KeyError:
            with self._lock:  # once per process and shape
                if key not in self._cache:
                    self._cache[key] = self._compile(alias, shape, rows)
                compiled = self._cache[key]
        if compiled is None:
            return alias, None, []
        params = [
            constant if name == _CONSTANT else values[name].hex if how == "hex" else values[name]
            for name, how, constant in compiled.slots
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = []
            for raw in cursor.fetchall():
                row = list(raw)
                for pos, convs, expression in compiled.converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
                found.append(row)
        return alias, compiled, found

    def rows(self, shape: Hashable, values: dict[str, Any]) -> list[tuple]:
        """The tuples the ``values_list`` queryset ``build(shape, values)`` would return."""
        _alias, _compiled, found = self._run(shape, values, rows=True)
        return [tuple(row) for row in found]

    def fetch(self, shape: Hashable, values: dict[str, Any]) -> list:
        """The instances the queryset ``build(shape, values)`` would return."""
        alias, compiled, found = self._run(shape, values, rows=False)
        instances = []
        for row in found:
            own = row[compiled.start : compiled.end]
            obj = compiled.model.from_db(alias, compiled.init_list, own)
            for populator in compiled.populators:
                populator.populate(row, obj)
            instances.append(obj)
        return instances
