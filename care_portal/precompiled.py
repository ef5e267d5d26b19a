"""Queries whose SQL is built once per process, then run again with each call's values.

Turning a QuerySet into SQL costs more Python than a small indexed read costs the database:
the few queries that every API request makes (its token, its person's roles, the assessment it
reads or saves, its peer position) are built once per database and shape, and each call runs the
same SQL with its own values. The rows come back as the QuerySet would give them (model
instances with their ``select_related`` objects and annotations, or converted values).

Where each call's values go is found by building the query twice, with two sets of stand-in
values: the parameters that differ are the call's, those that do not are the query's own.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.transaction import TransactionManagementError

Slot = tuple[int, str, int | None, Callable[[Any], Any]]


@dataclass
class _Shape:
    """One shape of the query on one database: its SQL and what its rows hold."""

    sql: str | None  # None: the query selects nothing (an empty scope), nothing is run
    params: tuple = ()
    # (position in params, the value's name, its index in a list, how the database takes it)
    slots: tuple[Slot, ...] = ()
    locks: bool = False
    select: list = field(default_factory=list)
    klass_info: dict | None = None
    annotation_col_map: dict = field(default_factory=dict)
    col_count: int = 0
    has_extra_select: bool = False
    # A values() query's names of its columns, in order (as its dicts hold them).
    names: tuple[str, ...] = ()
    sliced: bool = False
    # Each connection's converters of the columns (a connection belongs to one thread).
    converters: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)


class PrecompiledQuery:
    """A query of a known shape: ``build(**values)`` returns it for those values.

    ``stand_ins`` gives, for each value that changes between calls, an ordinary value of its
    type (an integer, a text, a number, a date; not None, which the ORM writes as ``IS NULL``),
    all different; for a list of values (an ``__in``), a list holding one such value, from which
    one stand-in per element is derived. ``fixed`` names the values that change the query's
    shape (a flag choosing a filter). The SQL is built for each of their values and each length of
    the lists, on each database, and kept; a value the shape does not use is not needed.
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
        self._shapes: dict[Hashable, _Shape] = {}
        self._lock = threading.Lock()

    def _stand_ins(self, values: dict[str, Any], other: bool) -> dict[str, Any]:
        """The first (or the ``other``) set of stand-ins, the lists at the call's lengths."""
        chosen: dict[str, Any] = {}
        for name, value in self.stand_ins.items():
            if name in self._lists:
                elements = [_derived(value[0], i) for i in range(len(values[name]))]
                chosen[name] = [_other(e) for e in elements] if other else elements
            else:
                chosen[name] = _other(value) if other else value
        return chosen

    def _shape(self, alias: str, values: dict[str, Any]) -> _Shape:
        key = (
            alias,
            tuple(values[name] for name in self.fixed),
            tuple(len(values[name]) for name in self._lists),
        )
        shape = self._shapes.get(key)
        if shape is not None:
            return shape
        fixed = {name: values[name] for name in self.fixed}
        first, second = self._stand_ins(values, False), self._stand_ins(values, True)
        elements = [
            (name, index, a, b)
            for name in first
            for index, a, b in (
                zip(range(len(first[name])), first[name], second[name], strict=True)
                if name in self._lists
                else [(None, first[name], second[name])]
            )
        ]
        if len({(type(a), a) for _n, _i, a, _b in elements}) < len(elements):
            raise ValueError("the stand-ins must all differ")
        query = self.build(**first, **fixed).query
        compiler = query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            shape = _Shape(None)
        else:
            other_sql, other_params = (
                self.build(**second, **fixed).query.get_compiler(using=alias).as_sql()
            )
            if other_sql != sql or len(other_params) != len(params):
                raise ValueError("the stand-in values change the query's SQL")
            ops = connections[alias].ops
            slots = [
                _slot(position, a_param, b_param, elements, ops)
                for position, (a_param, b_param) in enumerate(
                    zip(params, other_params, strict=True)
                )
                if not _same_param(a_param, b_param)
            ]
            shape = _Shape(
                sql,
                tuple(params),
                tuple(slots),
                locks=bool(compiler.query.select_for_update),
                select=compiler.select,
                klass_info=compiler.klass_info,
                annotation_col_map=compiler.annotation_col_map or {},
                col_count=compiler.col_count,
                has_extra_select=compiler.has_extra_select,
                # As Django's ValuesIterable names them.
                names=tuple(query.selected)
                if query.selected
                else (*query.extra_select, *query.values_select, *query.annotation_select),
                sliced=query.is_sliced,
            )
        with self._lock:
            self._shapes[key] = shape
        return shape

    def _bound(self, values: dict[str, Any], *, write: bool) -> tuple[str, _Shape, list | None]:
        """The database, the shape and the parameters of the call (None: nothing to run)."""
        expected = set(self.stand_ins) | set(self.fixed)
        if set(values) != expected:
            raise TypeError(f"expected the values {sorted(expected)}, got {sorted(values)}")
        values = {
            name: list(value) if name in self._lists else value for name, value in values.items()
        }
        alias = (router.db_for_write if write else router.db_for_read)(self.model)
        shape = self._shape(alias, values)
        if shape.sql is None:
            return alias, shape, None
        params = list(shape.params)
        for position, name, index, adapt in shape.slots:
            params[position] = adapt(values[name] if index is None else values[name][index])
        return alias, shape, params

    def _execute(
        self, values: dict[str, Any], *, write: bool, page: tuple[int, int] | None = None
    ) -> tuple[str, _Shape, list]:
        alias, shape, params = self._bound(values, write=write)
        if params is None or shape.sql is None:
            return alias, shape, []
        connection = connections[alias]
        locks = shape.locks and connection.features.has_select_for_update
        if locks and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        sql = shape.sql
        if page is not None:
            if locks or shape.sliced:
                raise ValueError("a page is read from an unsliced query that locks nothing")
            # As values, not in the text: one statement (prepared once) serves every page.
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, *page]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return alias, shape, rows

    def statement(self, **values: Any) -> tuple[str, str, list] | None:
        """(database, SQL, parameters) of the query for these values, to run inside a larger
        statement (as ``query.sql_with_params()`` gives them); None when it selects nothing."""
        alias, shape, params = self._bound(values, write=False)
        if params is None or shape.sql is None:
            return None
        return alias, shape.sql, params

    def instances(self, *, write: bool = False, **values: Any) -> list[Model]:
        """The query's model instances, as iterating the QuerySet gives them. ``write``: read
        from the database written to (a locking read, ``select_for_update``)."""
        alias, shape, rows = self._execute(values, write=write)
        return list(_model_rows(shape, alias, rows))

    def values(self, **values: Any) -> list[tuple]:
        """The query's rows, converted as ``values_list()`` converts them."""
        alias, shape, rows = self._execute(values, write=False)
        return list(_converted(shape, alias, rows))

    def dicts(self, *, limit: int, offset: int = 0, **values: Any) -> list[dict[str, Any]]:
        """``limit`` rows from ``offset`` of a ``values()`` query, as dicts (as slicing the
        QuerySet and iterating it gives them)."""
        alias, shape, rows = self._execute(values, write=False, page=(limit, offset))
        return [dict(zip(shape.names, row, strict=True)) for row in _converted(shape, alias, rows)]


def _derived(stand_in: Any, index: int) -> Any:
    """The stand-in of a list's element ``index``, from the list's stand-in."""
    if isinstance(stand_in, int) and not isinstance(stand_in, bool):
        return stand_in - index
    if isinstance(stand_in, str):
        return f"{stand_in}{index}"
    raise TypeError(f"a list's stand-in is an integer or a text, not {stand_in!r}")


def _other(stand_in: Any) -> Any:
    """A second stand-in, different from ``stand_in`` and from the other second ones."""
    if isinstance(stand_in, bool) or stand_in is None:
        raise TypeError(f"a stand-in cannot be {stand_in!r}: it may change the query's SQL")
    if isinstance(stand_in, int):
        return stand_in - 10**12
    if isinstance(stand_in, float):
        return stand_in - 10.0**12
    if isinstance(stand_in, str):
        return stand_in + "\N{MIDDLE DOT}"
    if isinstance(stand_in, datetime | date):
        return stand_in + timedelta(days=1)
    raise TypeError(f"a stand-in is an integer, a number, a text or a date, not {stand_in!r}")


def _as_given(value: Any) -> Any:
    return value


def _slot(position: int, a_param: Any, b_param: Any, elements: list, ops) -> Slot:
    """The call's value that goes at ``position``: the one stand-in the two parameters found
    there stand for, and how the ORM handed it to the database (as it is, with a typed wrapper
    of its class, or, for a date or a moment, as the backend writes it)."""
    found = []
    for name, index, a, b in elements:
        adapters: list[Callable[[Any], Any]] = [_as_given]
        if type(a_param) is not type(a) and isinstance(a_param, type(a)):
            adapters.append(type(a_param))  # e.g. psycopg's Int4 around an int
        if isinstance(a, datetime):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(a, date):
            adapters.append(ops.adapt_datefield_value)
        for adapt in adapters:
            if _same(adapt(a), a_param) and _same(adapt(b), b_param):
                found.append((position, name, index, adapt))
                break
    if len(found) != 1:
        raise ValueError(f"the parameter {position} stands for {len(found)} values, not one")
    return found[0]


def _same_param(a: Any, b: Any) -> bool:
    """Whether two builds put the same value at a place: the query's own value. A JSON value
    comes wrapped for the driver (psycopg's ``Jsonb``, compared by what it wraps)."""
    if type(a) is not type(b):
        return False
    if hasattr(a, "obj") and hasattr(a, "dumps"):
        return a.obj == b.obj
    return a == b


def _same(value: Any, param: Any) -> bool:
    return type(value) is type(param) and value == param


_converters_lock = threading.Lock()


def _converters(shape: _Shape, alias: str) -> tuple[Any, list]:
    connection = connections[alias]
    converters = shape.converters.get(connection)
    if converters is None:
        converters = []
        for position, (expression, _sql, _alias) in enumerate(shape.select[: shape.col_count]):
            if not expression:
                continue
            found = connection.ops.get_db_converters(expression)
            found += expression.get_db_converters(connection)
            if found:
                converters.append((position, found, expression))
        with _converters_lock:
            shape.converters[connection] = converters
    return connection, converters


def _converted(shape: _Shape, alias: str, rows: list) -> Iterator[tuple]:
    """The rows as the QuerySet's compiler gives them: its columns only, converted."""
    if not rows:
        return
    if shape.has_extra_select:
        # Columns selected for the ordering only: not part of the rows.
        rows = [row[: shape.col_count] for row in rows]
    connection, converters = _converters(shape, alias)
    if not converters:
        yield from (tuple(row) for row in rows)
        return
    for row in rows:
        row = list(row)
        for position, functions, expression in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        yield tuple(row)


def _model_rows(shape: _Shape, alias: str, rows: list) -> Iterator[Model]:
    """Model instances from the rows, built as Django's ModelIterable builds them."""
    if not rows:
        return
    select, klass_info = shape.select, shape.klass_info
    assert klass_info is not None  # a query of model instances
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [selected[0].target.attname for selected in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)
    for row in _converted(shape, alias, rows):
        obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr_name, position in shape.annotation_col_map.items():
            setattr(obj, attr_name, row[position])
        yield obj
