"""Rows written in bulk (`db.sql.Statement.write`) read back as the ORM writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.db.rows import add_incident

from warroom.db.engine import Database
from warroom.db.models import Event
from warroom.services.incidents import timeline
from warroom.services.incidents.timeline import EVENT_COLUMNS

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _incident(database: Database) -> int:
    with database.write.begin() as session:
        return add_incident(session, at=AT)


@pytest.mark.parametrize("count", [1, 3, 250])  # 250: more than one multi-row INSERT takes
def test_events_written_in_bulk_read_back_whole(database: Database, count: int) -> None:
    incident_id = _incident(database)
    rows = [
        {
            "incident_id": incident_id,
            "at": AT + timedelta(seconds=i),
            "recorded_at": AT,
            "actor": f"bot-{i}",
            "kind": "note",
            "text": f"50% of {i} ' \" é 🚨",
            "visibility": "internal",
            "data": {"n": i, "nested": {"list": [1, "two", None]}, "pct": "%s"},
        }
        for i in range(count)
    ]
    with database.write.begin() as session:
        timeline.append_all(session, rows)
    with database.read() as session:
        stored = list(session.scalars(select(Event).order_by(Event.id)))
    assert [{c: getattr(e, c) for c in EVENT_COLUMNS} for e in stored] == rows
