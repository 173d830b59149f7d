"""Statements on the rows among some keys (reads, and writes that return what they
changed), with one SQL text whatever the number of keys."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Column, Connection

from warroom.db.prepared import Processor, decoded, result_decoders


def bound(column: Column[Any], connection: Connection, value: Any) -> Any:
    """`value` as the driver is given it for this column (a timestamp as SQLite stores
    it): the encoding SQLAlchemy's execution would apply, for a parameter of a KeyedRead."""
    dialect = connection.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


@dataclass(frozen=True)
class KeyedRead:
    """A statement on the rows among some keys, on the hot paths of alert intake and of
    the worker (an UPDATE … RETURNING is one too). The SQL text
    is the same whatever the number of keys (they go as one parameter: a JSON array on
    SQLite, an array on PostgreSQL), so the driver's statement cache keeps it, and it
    goes to the driver's cursor as it is: SQLAlchemy's execution costs several times what
    SQLite takes to answer. The values read come as the driver gives them (ids, text,
    numbers), or, when `columns` names the columns read, decoded by their types (JSON,
    UTC timestamps). SQLite is told the index by name when there is one to use: a partial
    index's WHERE is repeated word for word, which SQLite needs to use it, and without
    statistics it prefers the status index and walks every row. `lock`: the rows read are
    locked (FOR UPDATE) on PostgreSQL; SQLite has no row locks, its write lock covers them
    (as SQLAlchemy's `with_for_update` leaves the clause out there)."""

    sql: str  # {hint} and {keys} to fill in; parameters as :name
    index: str | None = None
    lock: bool = False
    columns: tuple[Column[Any], ...] = ()  # the columns read, to decode their values
    _decoders: dict[str, tuple[Processor, ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def run(self, connection: Connection, keys: list[Any], **params: Any) -> list[tuple[Any, ...]]:
        values: Any
        dialect = connection.dialect
        if dialect.name == "sqlite":
            sql, values = self._sqlite, orjson.dumps(keys).decode()
        else:
            sql, values = self._other, keys
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, {**params, "keys": values})
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not self.columns:
            return list(rows)
        decoders = self._decoders.get(dialect.name)
        if decoders is None:
            decoders = self._decoders[dialect.name] = result_decoders(self.columns, dialect)
        return decoded(rows, decoders)

    @functools.cached_property
    def _sqlite(self) -> str:
        hint = f" INDEXED BY {self.index}" if self.index else ""
        return self.sql.format(hint=hint, keys="IN (SELECT value FROM json_each(:keys))")

    @functools.cached_property
    def _other(self) -> str:
        sql = self.sql.format(hint="", keys="= ANY(:keys)") + (" FOR UPDATE" if self.lock else "")
        return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)
