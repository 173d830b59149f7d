"""Rows written straight through the ORM, for tests of what reads or clears them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.db.models import Incident


def add_incident(session: Session, *, at: datetime, **values: object) -> int:
    """A P1 incident declared and last changed `at` (with any column given instead); its id.
    No timeline, clocks or jobs: only the row."""
    columns: dict[str, object] = {
        "title": "t",
        "severity": "P1",
        "status": "triggered",
        "source": "manual",
        "channel": "c",
        "responders": "",
        "declared_at": at,
        "updated_at": at,
        "escalation_level": 0,
        "version": 1,
    }
    incident = Incident(**(columns | values))
    session.add(incident)
    session.flush()
    return incident.id
