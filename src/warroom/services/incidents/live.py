"""What changed on an incident since a reader last looked: cheap, indexed questions asked
a few times a second by every open incident room."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident

MAX_BATCH = 200  # events sent at once; a storm's next ones follow on the next look


@dataclass(frozen=True)
class Change:
    event_ids: list[int]  # of this incident, above the reader's floor
    version: int | None  # None: the incident is gone
    incident: Incident | None


def changes(session: Session, *, incident_id: int, after: int) -> Change:
    ids = session.scalars(
        select(Event.id)
        .where(Event.incident_id == incident_id, Event.id > after)
        .order_by(Event.id)
        .limit(MAX_BATCH)
    )
    incident = session.get(Incident, incident_id)
    return Change(list(ids), incident.version if incident else None, incident)


def events(session: Session, ids: list[int]) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.id)))
