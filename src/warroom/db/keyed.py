"""Reads of the rows among some keys, with one SQL text whatever the number of keys."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, TextClause, text


@dataclass(frozen=True)
class KeyedRead:
    """A read of the rows among some keys, through one partial unique index. The SQL text
    is the same whatever the number of keys (they go as one parameter: a JSON array on
    SQLite, an array on PostgreSQL), so the driver's statement cache keeps it. The index's
    WHERE is repeated word for word, which SQLite needs to use it, and SQLite is told the
    index by name: without statistics it prefers the status index and walks every row."""

    sql: str  # {hint} and {keys} to fill in
    index: str

    def run(self, connection: Connection, keys: list[str], **params: Any) -> Any:
        if connection.dialect.name == "sqlite":
            statement = self._sqlite
            values: Any = orjson.dumps(keys).decode()
        else:
            statement, values = self._other, keys
        return connection.execute(statement, {**params, "keys": values})

    @functools.cached_property
    def _sqlite(self) -> TextClause:
        hint = f" INDEXED BY {self.index}"
        return text(self.sql.format(hint=hint, keys="IN (SELECT value FROM json_each(:keys))"))

    @functools.cached_property
    def _other(self) -> TextClause:
        return text(self.sql.format(hint="", keys="= ANY(:keys)"))
