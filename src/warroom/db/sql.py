"""Statements compiled once, run straight on the driver: the hot paths' one way to SQL.

SQLAlchemy's execution of a statement (even a cached one) costs several times what SQLite
takes to run a small one, and `session.execute(insert(table), rows)` runs every value of
every row through its type machinery. A `Statement` is compiled by SQLAlchemy once per
dialect, always with positional parameters (`?` on SQLite, `%s` on PostgreSQL), so each
execution is a list of values in the order of the markers: each value is encoded by its
parameter's SQLAlchemy type (JSON, UTC timestamps, as the ORM stores them), a column the
statement leaves out takes the column's own default, and rows read are decoded by the
result columns' types. `Keyed` is a statement on the rows among some keys, with one SQL
text whatever the number of keys. What differs between SQLite and PostgreSQL is decided
here, never by the callers.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Index, Table, bindparam, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Processor = Callable[[Any], Any] | None
_MISSING = object()  # a parameter with no value in the statement: each run must give it
MULTIROW_LIMIT = 200  # rows in one multi-row INSERT; more go through executemany
SQLITE_ROWS_AT_ONCE = 500  # rows in one INSERT … RETURNING: under SQLite's 32,766 markers


@dataclass(frozen=True, slots=True)
class _Value:
    """Where one driver parameter's value comes from, and how it is encoded."""

    name: str
    given: int | None  # its place in a row of `Statement.write`; None: not in the row
    encode: Processor  # None: the value goes to the driver as it is
    default: Callable[[], Any] | None  # a column default made per row (`default=dict`)
    fixed: Any  # the value written into the statement (`status == "pending"`, a default)


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    values: tuple[_Value, ...]  # in the order of the statement's markers
    decoders: tuple[Processor, ...]
    is_insert: bool
    reads: bool  # it returns rows (a SELECT, RETURNING, or SQL text)


def positional(dialect: Dialect) -> Dialect:
    """The dialect, with positional parameters: `?` (SQLite's already) or `%s`."""
    if dialect.positional:
        return dialect
    twin = copy.copy(dialect)  # the engine's own: its JSON serializer, its server version
    twin.paramstyle = "format"
    twin.positional = True
    return twin


class Statement:
    """A Core statement (or, for each dialect, one made by `make(dialect)`) run on the
    driver. `columns`: the parameters of `write`'s rows, in order (of an INSERT: the
    columns given; the others take their defaults). `encoded`: those of `columns` whose
    values come as the driver takes them already (JSON as `engine.json_text` gives it).
    `result`: the columns read, to decode their values (none: as the driver gives them)."""

    def __init__(
        self,
        statement: ClauseElement | Callable[[Dialect], ClauseElement],
        *,
        columns: Sequence[str] = (),
        encoded: Sequence[str] = (),
        result: Sequence[Column[Any]] = (),
    ) -> None:
        self._make = statement if callable(statement) else (lambda _dialect: statement)
        self.columns = tuple(columns)
        self.encoded = frozenset(encoded)
        self.result = tuple(result)
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def sql(self, dialect: Dialect) -> str:
        return self.compiled(dialect).sql

    def _compile(self, dialect: Dialect) -> Compiled:
        dialect = positional(dialect)
        keys = list(self.columns) if self.columns else None
        compiled = self._make(dialect).compile(dialect=dialect, column_keys=keys)
        assert isinstance(compiled, SQLCompiler)
        made = {column.key: column for column in compiled.insert_prefetch}
        values = []
        for name in compiled.positiontup or []:
            bind = compiled.binds[name]
            encode = bind.type.dialect_impl(dialect).bind_processor(dialect)
            given = self.columns.index(name) if name in self.columns else None
            default: Callable[[], Any] | None = None
            fixed: Any = _MISSING
            if given is None and name in made:  # a column left out: its own default
                default, fixed = _column_default(made[name])
            elif not bind.required and (bind.value is not None or bind.callable is not None):
                fixed = bind.effective_value
            if name in self.encoded:
                encode = None
            values.append(_Value(name, given, encode, default, fixed))
        decoders = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.result
        )
        writes = compiled.isinsert or compiled.isupdate or compiled.isdelete
        reads = not writes or bool(compiled.effective_returning)
        return Compiled(compiled.string, tuple(values), decoders, bool(compiled.isinsert), reads)

    def run(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        """Run once with these parameters (the others: their values in the statement);
        the rows it returns, if any."""
        return self.run_with(connection, params)

    def run_with(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """`run`, the parameters given as a mapping."""
        compiled = self.compiled(connection.dialect)
        values = _parameters(compiled, params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, values)
            rows = cursor.fetchall() if compiled.reads else []
        finally:
            cursor.close()
        if not compiled.decoders:
            return list(rows)  # tuples, from either driver
        return decoded(rows, compiled.decoders)

    def parameters(self, dialect: Dialect, **params: Any) -> list[Any]:
        """What `run` gives the driver for these parameters, in the order of `sql`'s markers."""
        return _parameters(self.compiled(dialect), params)

    def write(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """Run for each row (values in `columns` order) in one driver call: on PostgreSQL
        a few rows of an INSERT go as one multi-row INSERT (one round trip)."""
        if not rows:
            return
        compiled = self.compiled(connection.dialect)
        encoded = _encoded_rows(compiled, rows)
        cursor = connection.connection.cursor()
        try:
            if (
                compiled.is_insert
                and connection.dialect.name != "sqlite"
                and len(encoded) <= MULTIROW_LIMIT
            ):
                head, _, group = compiled.sql.partition(" VALUES ")
                flat = [value for row in encoded for value in row]
                cursor.execute(f"{head} VALUES {', '.join([group] * len(encoded))}", flat)
                return
            cursor.executemany(compiled.sql, encoded)
        finally:
            cursor.close()

    def insert_returning_ids(
        self, connection: Connection, rows: Sequence[Sequence[Any]]
    ) -> list[int]:
        """An INSERT on SQLite: write the rows in multi-row INSERTs and return their new
        ids, in the rows' order. SQLite gives an INTEGER PRIMARY KEY the next number up,
        so one statement's ids, sorted, are in the order of its rows (SQLAlchemy's bulk
        RETURNING on SQLite relies on this too); the caller holds the write transaction."""
        if connection.dialect.name != "sqlite":
            raise ValueError("insert_returning_ids is for SQLite")
        compiled = self.compiled(connection.dialect)
        head, _, group = compiled.sql.partition(" VALUES ")
        ids: list[int] = []
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(rows), SQLITE_ROWS_AT_ONCE):
                chunk = _encoded_rows(compiled, rows[start : start + SQLITE_ROWS_AT_ONCE])
                flat = [value for row in chunk for value in row]
                sql = f"{head} VALUES {', '.join([group] * len(chunk))} RETURNING id"
                ids += sorted(row[0] for row in cursor.execute(sql, flat).fetchall())
        finally:
            cursor.close()
        return ids


def _column_default(column: Column[Any]) -> tuple[Callable[[], Any] | None, Any]:
    """A column's Python-side default: made per row (a callable), or one value."""
    default: Any = column.default
    if default is None:
        return None, None
    if default.is_callable:
        make = default.arg  # SQLAlchemy's wrapper of the callable takes a context
        return (lambda: make(None)), None
    if default.is_scalar:
        return None, default.arg
    raise ValueError(f"{column} has a default a statement on the driver cannot make")


def _fixed(value: _Value) -> Any:
    if value.default is not None:
        return value.default()
    if value.fixed is _MISSING:
        raise TypeError(f"the statement's parameter {value.name!r} has no value")
    return value.fixed


def _parameters(compiled: Compiled, params: Mapping[str, Any]) -> list[Any]:
    """The values in the markers' order, each encoded as SQLAlchemy's execution encodes a
    parameter: None too (JSON's None becomes 'null')."""
    out = []
    for v in compiled.values:
        try:
            value = params[v.name]
        except KeyError:
            value = _fixed(v)
        out.append(value if v.encode is None else v.encode(value))
    return out


def _encoded_rows(compiled: Compiled, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    columns = [
        _encoded(
            [row[v.given] for row in rows] if v.given is not None else [_fixed(v) for _ in rows],
            v.encode,
        )
        for v in compiled.values
    ]
    return list(zip(*columns, strict=True))


def _encoded(values: list[Any], encode: Processor) -> list[Any]:
    """One parameter's values as the driver takes them. Rows written together mostly
    share their timestamps (the batch's `now`), so each distinct value is encoded once."""
    if encode is None:
        return values
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            out.append(done[value])
        except KeyError:
            out.append(done.setdefault(value, encode(value)))
        except TypeError:  # unhashable (JSON): encoded every time
            out.append(encode(value))
    return out


def decoded(
    rows: Sequence[Sequence[Any]], decoders: tuple[Processor, ...]
) -> list[tuple[Any, ...]]:
    """Rows from the driver, each value decoded by its column's processor."""
    return [tuple(_apply(d, v) for d, v in zip(decoders, row, strict=True)) for row in rows]


def _apply(processor: Processor, value: Any) -> Any:
    return processor(value) if processor is not None and value is not None else value


class Keyed:
    """A statement on the rows among some keys (a read, or a write that returns what it
    changed), for the hot paths of alert intake and of the worker. `sql` has `{keys}`
    where the key column's test goes and `{hint}` after the table's name; its other
    parameters are `:name`, typed by `params`' columns. The SQL text is the same whatever
    the number of keys: they go as one parameter (a JSON array read by `json_each` on
    SQLite, an array on PostgreSQL), so the driver's statement cache keeps it.

    `index`: on SQLite the statement names the index to use (`INDEXED BY`): without
    statistics SQLite prefers the status index and walks every row. A partial index's
    WHERE must then be in the statement word for word (`where_of(index)` gives it).
    `lock`: the rows read are locked (FOR UPDATE) on PostgreSQL; SQLite has no row locks,
    its write lock covers them (as SQLAlchemy's `with_for_update` leaves the clause out)."""

    def __init__(
        self,
        sql: str,
        *,
        index: Index | None = None,
        lock: bool = False,
        params: Mapping[str, Column[Any]] | None = None,
        result: Sequence[Column[Any]] = (),
    ) -> None:
        self.template = sql
        self.index = index
        self.lock = lock
        self.params = dict(params or {})
        self.statement = Statement(self._text, result=result)

    def _text(self, dialect: Dialect) -> ClauseElement:
        if dialect.name == "sqlite":
            hint = f" INDEXED BY {self.index.name}" if self.index is not None else ""
            sql = self.template.format(hint=hint, keys="IN (SELECT value FROM json_each(:keys))")
        else:
            sql = self.template.format(hint="", keys="= ANY(:keys)")
            sql += " FOR UPDATE" if self.lock else ""
        typed = [bindparam(name, type_=column.type) for name, column in self.params.items()]
        return text(sql).bindparams(*typed)

    def run(
        self, connection: Connection, keys: Sequence[Any], **params: Any
    ) -> list[tuple[Any, ...]]:
        params["keys"] = _keys(connection.dialect, keys)
        return self.statement.run_with(connection, params)

    def sql(self, dialect: Dialect) -> str:
        return self.statement.sql(dialect)

    def parameters(self, dialect: Dialect, keys: Sequence[Any], **params: Any) -> list[Any]:
        """What `run` gives the driver, in the order of `sql`'s markers."""
        return self.statement.parameters(dialect, keys=_keys(dialect, keys), **params)


def _keys(dialect: Dialect, keys: Sequence[Any]) -> Any:
    """Keys as one parameter: a JSON array on SQLite (read by json_each), else a list."""
    listed = keys if isinstance(keys, list) else list(keys)
    return orjson.dumps(listed).decode() if dialect.name == "sqlite" else listed


def where_of(index: Index) -> str:
    """A partial index's WHERE, word for word (a statement repeats it to use the index)."""
    return str(index.dialect_options["sqlite"]["where"])


def quoted(value: str) -> str:
    """A value as an SQL string literal, for a statement's fixed text."""
    return "'" + value.replace("'", "''") + "'"


def update_by_id(table: Table, columns: Sequence[str]) -> Statement:
    """UPDATE table SET columns… WHERE id = …; `write`'s rows are (values…, id)."""
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(name) for name in columns})
    )
    return Statement(statement, columns=(*columns, "row_id"))


def with_defaults(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new row of `table` made outside the ORM: `values`, and for every other column
    (but the primary key) its own default, or NULL; a column that has neither is an
    error, as the database would refuse the row."""
    row = {}
    for key, make, fixed, required in _defaults(table):
        if key in values:
            row[key] = values[key]
        elif make is not None:
            row[key] = make()
        elif required:
            raise ValueError(f"{table.name}.{key} needs a value: it has no default")
        else:
            row[key] = fixed
    if not values.keys() <= row.keys():
        unknown = ", ".join(sorted(values.keys() - row.keys()))
        raise ValueError(f"{table.name} has no column {unknown}")
    return row


@functools.cache
def _defaults(table: Table) -> list[tuple[str, Callable[[], Any] | None, Any, bool]]:
    """Each column but the primary key: its key, its default, and whether it needs a value."""
    found = []
    for column in table.columns:
        if column.primary_key:
            continue
        make, fixed = _column_default(column)
        required = column.default is None and not column.nullable
        found.append((column.key, make, fixed, required))
    return found
