"""Queries whose SQL is built once per process, then run again with each call's values.

Turning a QuerySet into SQL costs more Python than a small indexed read costs the database:
the few queries that every API request makes (its token, its person's roles, the assessment it
reads or saves, its peer position) are built once per database and shape, with a recognisable
stand-in for each value that changes, and each call runs the same SQL with its own values. The
rows come back as the QuerySet would give them (model instances with their ``select_related``
objects and annotations, or converted values).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the query selects nothing (an empty scope), nothing is run
    params: tuple
    # (position in params, the value's name, its index in a list, how the database takes it)
    slots: tuple[tuple[int, str, int | None, Callable[[Any], Any]], ...]
    compiler: Any  # the compiler that built the SQL: what its rows hold


class PrecompiledQuery:
    """A query of a known shape: ``build(**values)`` returns it for those values.

    ``stand_ins`` gives, for each value that changes between calls, one of its type that the
    query's other parameters never equal (not None either, which the ORM writes as
    ``IS NULL``), as the database takes it (a date, a moment or a text or a number: no model
    instance, no enumeration); for a list of values (an ``__in``), a list holding one such value, from which
    one stand-in per element is derived (an integer counts down from it, a text gets the
    element's number appended). ``fixed`` names the values that change the query's shape
    (a flag choosing a filter): the SQL is built for each of their values and each length of
    the lists, kept per database alias, and each call puts its own values in the stand-ins'
    places (a value the query uses twice, in both).
    """

    def __init__(
        self,
        model: type[Model],
        build: Callable[..., QuerySet],
        *,
        fixed: Sequence[str] = (),
        **stand_ins: Any,
    ):
        self.model = model
        self.build = build
        self.fixed = tuple(fixed)
        self.stand_ins = stand_ins
        self._lists = tuple(name for name, value in stand_ins.items() if isinstance(value, list))
        self._compiled: dict[Hashable, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str, values: dict[str, Any]) -> _Compiled:
        key = (
            alias,
            tuple(values[name] for name in self.fixed),
            tuple(len(values[name]) for name in self._lists),
        )
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        stand_ins = {
            name: (
                [_derived(value[0], i) for i in range(len(values[name]))]
                if name in self._lists
                else value
            )
            for name, value in self.stand_ins.items()
        }
        queryset = self.build(**stand_ins, **{name: values[name] for name in self.fixed})
        compiler = queryset.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            compiled = _Compiled(None, (), (), compiler)
        else:
            slots: list[tuple[int, str, int | None, Callable[[Any], Any]]] = []
            for name, stand_in in stand_ins.items():
                elements = enumerate(stand_in) if name in self._lists else [(None, stand_in)]
                for index, element in elements:
                    for adapt in _adapters(element, connections[alias].ops):
                        target = adapt(element)
                        found = [i for i, param in enumerate(params) if _same(param, target)]
                        if found:
                            break
                    else:
                        raise ValueError(f"{name}={element!r} is not in the query's parameters.")
                    slots.extend((position, name, index, adapt) for position in found)
            compiled = _Compiled(sql, tuple(params), tuple(slots), compiler)
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    def _execute(self, values: dict[str, Any], *, write: bool) -> tuple[str, _Compiled, list]:
        expected = set(self.stand_ins) | set(self.fixed)
        if set(values) != expected:
            raise TypeError(f"expected the values {sorted(expected)}, got {sorted(values)}")
        values = {
            name: list(value) if name in self._lists else value for name, value in values.items()
        }
        alias = (router.db_for_write if write else router.db_for_read)(self.model)
        compiled = self._compile(alias, values)
        if compiled.sql is None:
            return alias, compiled, []
        params = list(compiled.params)
        for position, name, index, adapt in compiled.slots:
            params[position] = adapt(values[name] if index is None else values[name][index])
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return alias, compiled, rows

    def instances(self, *, write: bool = False, **values: Any) -> list[Model]:
        """The query's model instances, as iterating the QuerySet gives them. ``write``: read
        from the database written to (a locking read, ``select_for_update``)."""
        alias, compiled, rows = self._execute(values, write=write)
        return list(_model_rows(compiled.compiler, alias, rows))

    def values(self, **values: Any) -> list[tuple]:
        """The query's rows, converted as ``values_list()`` converts them."""
        _alias, compiled, rows = self._execute(values, write=False)
        return list(_converted(compiled.compiler, rows))


def _derived(stand_in: Any, index: int) -> Any:
    if isinstance(stand_in, int) and not isinstance(stand_in, bool):
        return stand_in - index
    if isinstance(stand_in, str):
        return f"{stand_in}{index}"
    raise TypeError(f"a list's stand-in is an integer or a text, not {stand_in!r}")


def _as_given(value: Any) -> Any:
    return value


def _adapters(stand_in: Any, ops) -> list[Callable[[Any], Any]]:
    """How the ORM may have handed a value to the database: as it is, or, for a date or a
    moment, as the backend writes it (SQLite takes them as text)."""
    if isinstance(stand_in, datetime):
        return [_as_given, ops.adapt_datetimefield_value]
    if isinstance(stand_in, date):
        return [_as_given, ops.adapt_datefield_value]
    return [_as_given]


def _same(param: Any, stand_in: Any) -> bool:
    return type(param) is type(stand_in) and param == stand_in


def _converted(compiler, rows: list) -> Iterator[tuple]:
    if not rows:
        return iter(())
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    if compiler.has_extra_select:
        # Columns selected for the ordering only: not part of the rows.
        rows = [row[: compiler.col_count] for row in rows]
    converters = compiler.get_converters(fields)
    if not converters:
        return (tuple(row) for row in rows)
    return (tuple(row) for row in compiler.apply_converters(rows, converters))


def _model_rows(compiler, alias: str, rows: list) -> Iterator[Model]:
    """Model instances from the rows, built as Django's ModelIterable builds them."""
    if not rows:
        return
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [selected[0].target.attname for selected in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)
    for row in _converted(compiler, rows):
        obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr_name, position in annotation_col_map.items():
            setattr(obj, attr_name, row[position])
        yield obj
