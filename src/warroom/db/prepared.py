"""A fixed Core statement run straight on the driver, for the worker's hot path.

SQLAlchemy's execution of a statement (even a cached one, on a connection) costs several
times what SQLite takes to run a small claim. Here the statement is compiled once per
dialect; each execution encodes its parameters with their types' bind processors, hands
the SQL to the driver's cursor, and decodes the rows with the result columns' types, as
SQLAlchemy would (JSON, UTC timestamps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the driver's order (positional) or by name
    positional: bool
    encoders: Mapping[str, Processor]
    fixed: dict[str, Any]  # the values written into the statement (status == "pending")
    decoders: tuple[Processor, ...]


class Prepared:
    def __init__(self, statement: ClauseElement, result: Sequence[Column[Any]]) -> None:
        self.statement = statement
        self.result = tuple(result)
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or []) if compiled.positional else tuple(compiled.binds)
        encoders = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        fixed = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if bind.value is not None or bind.callable is not None
        }
        decoders = result_decoders(self.result, dialect)
        return _Compiled(compiled.string, names, compiled.positional, encoders, fixed, decoders)

    def run(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        given = {**compiled.fixed, **params}
        encoded = {name: _apply(compiled.encoders[name], given[name]) for name in compiled.names}
        values: Any = [encoded[name] for name in compiled.names] if compiled.positional else encoded
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, values)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return decoded(rows, compiled.decoders)


def result_decoders(columns: Sequence[Column[Any]], dialect: Dialect) -> tuple[Processor, ...]:
    """How each column's values read from the driver become what SQLAlchemy would give."""
    return tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )


def decoded(
    rows: Sequence[Sequence[Any]], decoders: tuple[Processor, ...]
) -> list[tuple[Any, ...]]:
    """Rows from the driver, each value decoded by its column's processor."""
    return [tuple(_apply(d, v) for d, v in zip(decoders, row, strict=True)) for row in rows]


def _apply(processor: Processor, value: Any) -> Any:
    return processor(value) if processor is not None and value is not None else value
