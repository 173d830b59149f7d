"""Many rows in one driver call, for the hot paths (alert intake, openings).

SQLAlchemy's `session.execute(insert(table), rows)` builds a parameter dict per row and
runs every value through its type machinery, which costs more than SQLite takes to store
the row. Here a statement is compiled once per database dialect, each value is encoded by
its column's own SQLAlchemy type (so it is stored exactly as the ORM would store it: JSON,
UTC timestamps), and the rows go to the driver's `executemany` as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Encoder = Callable[[Any], Any] | None
MULTIROW_LIMIT = 200  # rows in one multi-row INSERT; more go through executemany
SQLITE_ROWS_AT_ONCE = 500  # rows in one INSERT … RETURNING: under SQLite's 32,766 markers


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    plan: tuple[tuple[int, Encoder], ...]  # per driver parameter: where in the row, how
    names: tuple[str, ...] | None  # the driver takes dicts (pyformat) with these keys
    # An INSERT on a driver with a network round trip (PostgreSQL): the statement's start
    # and one row's VALUES group with positional markers, and where each marker's value
    # is in a row, so a few rows go as one multi-row INSERT instead of a pipeline.
    multirow: tuple[str, str, tuple[int, ...]] | None = None


class Statement:
    """A write whose parameters are given as tuples, in `columns` order. The values of the
    `encoded` columns come as the driver takes them (JSON as `engine.json_text` gives it),
    encoded by the caller beforehand."""

    def __init__(
        self, statement: ClauseElement, columns: Sequence[str], encoded: Sequence[str] = ()
    ) -> None:
        self.statement = statement
        self.columns = tuple(columns)
        self.encoded = frozenset(encoded)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(self.columns))
        assert isinstance(compiled, SQLCompiler)
        order = tuple(compiled.positiontup or []) if compiled.positional else self.columns
        if sorted(order) != sorted(self.columns):
            raise ValueError(f"the statement takes {order}, not {self.columns}")
        plan = tuple(
            (
                self.columns.index(name),
                None
                if name in self.encoded
                else compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name in order
        )
        if compiled.positional:
            return _Compiled(compiled.string, plan, None)
        multirow = None
        head, values, group = compiled.string.partition(" VALUES ")
        if compiled.isinsert and values and group.startswith("(") and group.endswith(")"):
            markers = re.findall(r"%\((\w+)\)s", group)
            multirow = (
                head + values,
                re.sub(r"%\((\w+)\)s", "%s", group),
                tuple(order.index(name) for name in markers),
            )
        return _Compiled(compiled.string, plan, order, multirow)

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def run(self, session: Session, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        connection = session.connection()
        compiled = self._compiled_for(connection.dialect)
        columns = [_encoded([row[i] for row in rows], encode) for i, encode in compiled.plan]
        encoded = list(zip(*columns, strict=True))
        cursor = connection.connection.cursor()
        try:
            if compiled.multirow is not None and len(encoded) <= MULTIROW_LIMIT:
                head, group, where = compiled.multirow
                flat = [row[i] for row in encoded for i in where]
                cursor.execute(head + ", ".join([group] * len(encoded)), flat)
                return
            params: list[Any] = (
                encoded
                if compiled.names is None
                else [dict(zip(compiled.names, row, strict=True)) for row in encoded]
            )
            cursor.executemany(compiled.sql, params)
        finally:
            cursor.close()

    def insert_returning_ids(self, session: Session, rows: Sequence[Sequence[Any]]) -> list[int]:
        """An INSERT on SQLite: write the rows in multi-row INSERTs and return their new
        ids, in the rows' order. SQLite gives an INTEGER PRIMARY KEY the next number up,
        so one statement's ids, sorted, are in the order of its rows (SQLAlchemy's bulk
        RETURNING on SQLite relies on this too); the caller holds the write transaction."""
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            raise ValueError("insert_returning_ids is for SQLite")
        compiled = self._compiled_for(connection.dialect)
        head, _, group = compiled.sql.partition(" VALUES ")
        ids: list[int] = []
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(rows), SQLITE_ROWS_AT_ONCE):
                chunk = rows[start : start + SQLITE_ROWS_AT_ONCE]
                columns = [_encoded([r[i] for r in chunk], encode) for i, encode in compiled.plan]
                flat = [value for row in zip(*columns, strict=True) for value in row]
                sql = f"{head} VALUES {', '.join([group] * len(chunk))} RETURNING id"
                ids += sorted(row[0] for row in cursor.execute(sql, flat).fetchall())
        finally:
            cursor.close()
        return ids


def _encoded(values: list[Any], encode: Encoder) -> list[Any]:
    """One column's values as the driver takes them. Rows written together mostly share
    their timestamps (the batch's `now`), so each distinct value is encoded once."""
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


def insert_rows(table: Table, columns: Sequence[str], encoded: Sequence[str] = ()) -> Statement:
    return Statement(insert(table).inline(), columns, encoded)  # inline: no RETURNING of ids


def update_by_id(table: Table, columns: Sequence[str]) -> Statement:
    """UPDATE table SET columns… WHERE id = ?; rows are (values…, id)."""
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(name) for name in columns})
    )
    return Statement(statement, [*columns, "row_id"])
