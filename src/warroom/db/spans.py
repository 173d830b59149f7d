"""SQL that reads the same on SQLite and PostgreSQL: seconds between two times, and the
month of a time (`2026-11`). Times are stored as naive UTC (db/types.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads as an SQL function
    """`end - start` in seconds (NULL when either is NULL)."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


class month_of(FunctionElement[str]):  # noqa: N801 - reads as an SQL function
    """The time's month as `YYYY-MM` text."""

    type = String()
    name = "month_of"
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 86400.0)"
    )


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)}))::float8"
    )


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    # Stored as `YYYY-MM-DD HH:MM:SS[.ffffff]` text: the first seven characters, a good
    # deal cheaper than strftime over a hundred thousand rows.
    (moment,) = list(element.clauses)
    return f"substr({compiler.process(moment, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    (moment,) = list(element.clauses)
    return f"to_char({compiler.process(moment, **kw)}, 'YYYY-MM')"
