"""Checklist sets: each distinct list of items stored once, whoever writes it first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from warroom.db.operations import ChecklistSet

SETS: Table = ChecklistSet.__table__  # type: ignore[assignment]


def keep_sets(connection: Connection, sets: Mapping[str, list[dict[str, Any]]]) -> None:
    """Store each set (by its digest) unless it is stored already."""
    if not sets:
        return
    upsert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    rows = [{"id": digest, "items": items} for digest, items in sorted(sets.items())]
    connection.execute(upsert(SETS).on_conflict_do_nothing(index_elements=[SETS.c.id]), rows)


def set_items(connection: Connection, digest: str) -> list[dict[str, Any]]:
    """A stored set's items."""
    items = connection.scalar(select(SETS.c["items"]).where(SETS.c.id == digest))
    return list(items or [])
