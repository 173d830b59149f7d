"""Model objects in no session, for hot paths that only read them.

Loading rows through the ORM (the query's compilation, an identity map entry and change
tracking for each) costs the worker more than SQLite takes to read them, under the write
lock too. Here a model's rows are read straight from the driver and decoded by their
columns' types (`db.sql`), and each object has its columns set as the ORM sets a loaded
row's (in its `__dict__`, with no change tracking). Read such an object; never add it to
a session or change it (load it through the session to act on it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Connection, inspect
from sqlalchemy.orm import configure_mappers

from warroom.db.sql import Keyed

T = TypeVar("T")


def maker(model: type[T]) -> Callable[..., T]:
    """Makes a `model` object in no session from its column values, without its
    constructor: a sixth of what `model(**values)` costs."""
    configure_mappers()  # before the first object is made without its constructor
    new = inspect(model).class_manager.new_instance

    def make(**values: Any) -> T:
        made: T = new()
        made.__dict__.update(values)
        return made

    return make


class ById(Generic[T]):
    """The rows of a model's table among some ids, as objects in no session."""

    def __init__(self, model: type[T]) -> None:
        columns: list[Column[Any]] = list(model.__table__.columns)  # type: ignore[attr-defined]
        self._keys = [column.key for column in columns]
        names = ", ".join(column.name for column in columns)
        table = model.__table__.name  # type: ignore[attr-defined]
        self._read = Keyed(f"SELECT {names} FROM {table} WHERE id {{keys}}", result=columns)
        self._make = maker(model)

    def read(self, connection: Connection, ids: list[int]) -> dict[int, T]:
        keys = self._keys
        rows = self._read.run(connection, ids)
        return {row[0]: self._make(**dict(zip(keys, row, strict=True))) for row in rows}
