"""The append-only timeline: events are inserted, never changed or removed."""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident
from warroom.db.queries import incidents as statements

EVENTS = statements.EVENTS
EVENT_COLUMNS = statements.EVENT_COLUMNS

LATE_AFTER = timedelta(seconds=1)


class Kind(StrEnum):
    DECLARED = "declared"
    STATUS = "status"
    ACKNOWLEDGED = "acknowledged"
    SEVERITY = "severity"
    ROLE = "role"
    UPDATE = "update"
    NOTE = "note"
    ACK_OVERDUE = "ack_overdue"
    UPDATE_OVERDUE = "update_overdue"
    ESCALATED = "escalated"
    MONITORING_OVER = "monitoring_over"
    POSTMORTEM_DUE = "postmortem_due"
    REOPENED = "reopened"
    ALERT = "alert"
    ALERT_RESOLVED = "alert_resolved"
    NOTE_ALERTS_CLEAR = "alerts_clear"
    PAGED = "paged"
    NOTIFIED = "notified"
    DELIVERY_FAILED = "delivery_failed"
    CONTACT_DISABLED = "contact_disabled"
    CHECKLIST = "checklist"  # a person ticked (or unticked) a checklist item
    ACTION = "action"  # a diagnostic or mitigation action ran, with its output


def entry(
    incident_id: int,
    *,
    kind: Kind,
    actor: str,
    at: datetime,
    now: datetime,
    text: str = "",
    public: bool = False,
    data: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    """One event's row, every key of EVENT_COLUMNS: `at` is when it happened, `now` when
    it was written down; `data` as text is JSON already (`append_all(data_encoded=True)`)."""
    return {
        "incident_id": incident_id,
        "at": at,
        "recorded_at": now,
        "actor": actor,
        "kind": kind.value,
        "text": text,
        "visibility": "public" if public else "internal",
        "data": data or {},
    }


def record(
    session: Session,
    incident: Incident,
    *,
    kind: Kind,
    actor: str,
    at: datetime,
    now: datetime,
    text: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one event and return its id. A plain INSERT (no ORM unit of work): events
    are never changed."""
    row = entry(
        incident.id, kind=kind, actor=actor, at=at, now=now, text=text, public=public, data=data
    )
    event_id: int = session.execute(insert(EVENTS).returning(EVENTS.c.id), row).scalar_one()
    return event_id


_EVENT_VALUES = operator.itemgetter(*EVENT_COLUMNS)  # an event dict as the insert's tuple


def append_all(session: Session, rows: list[dict[str, Any]], *, data_encoded: bool = False) -> None:
    """Append many events (rows made by `entry`) in one driver call; `data_encoded`: each
    row's data is JSON text already (`engine.json_text`)."""
    statement = statements.APPEND_ENCODED if data_encoded else statements.APPEND
    statement.write(session.connection(), [_EVENT_VALUES(row) for row in rows])


def events_of(session: Session, incident_id: int) -> list[Event]:
    """The timeline in the order things happened (back-dated entries fall in place)."""
    query = select(Event).where(Event.incident_id == incident_id).order_by(Event.at, Event.id)
    return list(session.scalars(query))


def is_late(event: Event) -> bool:
    return event.recorded_at - event.at >= LATE_AFTER
