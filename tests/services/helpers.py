"""Small helpers for service tests: run one use case in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.db.models import Event
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, timeline

T = TypeVar("T")


def run(database: Database, action: Callable[[Session], T]) -> T:
    with database.write.begin() as session:
        return action(session)


def declare(
    database: Database, ctx: Context, title: str = "Checkout down", *, severity: str = "P1"
) -> int:
    """Declare an incident (by alice); its id."""
    incident = run(
        database,
        lambda s: lifecycle.declare(s, ctx=ctx, actor="alice", title=title, severity=severity),
    )
    return incident.id


def kinds(database: Database, incident_id: int) -> list[str]:
    return [e.kind for e in events(database, incident_id)]


def events(database: Database, incident_id: int) -> list[Event]:
    with database.read() as session:
        return timeline.events_of(session, incident_id)
