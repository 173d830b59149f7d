"""Incidents read straight from the driver (db/detached) are the ones the ORM loads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from tests.db.rows import add_incident

from warroom.db.detached import ById
from warroom.db.engine import Database
from warroom.db.models import Incident

AT = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
COLUMNS = [column.key for column in Incident.__table__.columns]


def _add(session: Session, **values: object) -> int:
    return add_incident(
        session,
        at=AT,
        title="Checkout 5xx ' \" é 🚨",
        source="alert",
        channel="inc-checkout",
        responders="alice\nbob",
        updated_at=AT + timedelta(seconds=1),
        version=3,
        **values,
    )


def test_incidents_by_id_are_what_the_orm_loads(database: Database) -> None:
    policy = {"name": "default", "repeat": 1, "steps": [{"notify": ["person:alice"], "wait": 300}]}
    with database.write.begin() as session:
        paging = _add(session, policy=policy, ack_due_at=AT + timedelta(minutes=5))
        quiet = _add(session, service=None, policy=None)
    with database.read() as session:
        read = ById(Incident).read(session.connection(), [paging, quiet, 999_999])
        loaded = {i: session.get(Incident, i) for i in (paging, quiet)}
    assert sorted(read) == [paging, quiet]  # an id with no row is left out
    for incident_id, incident in read.items():
        orm = loaded[incident_id]
        assert {c: getattr(incident, c) for c in COLUMNS} == {c: getattr(orm, c) for c in COLUMNS}
    assert read[paging].policy == policy
    assert read[paging].ack_due_at == AT + timedelta(minutes=5)
    assert read[paging].declared_at.tzinfo is not None  # a UTC timestamp, as the ORM gives
