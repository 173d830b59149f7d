"""Reading alerts: by incident, by status, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Alert
from warroom.db.queries.alerts import FIRING_COUNTS
from warroom.domain.alerts import AlertStatus
from warroom.errors import Invalid

STATUSES = tuple(status.value for status in AlertStatus)


def firing_count(session: Session, incident_ids: list[int]) -> dict[int, int]:
    """How many alerts still fire on each of these incidents (absent: none)."""
    rows = FIRING_COUNTS.run(session.connection(), sorted(incident_ids))
    return {int(i): int(n) for i, n in rows if i is not None}


def list_alerts(
    session: Session,
    *,
    incident_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    before: int | None = None,
) -> list[Alert]:
    if status is not None and status not in STATUSES:
        raise Invalid(f"status {status!r} is not one of {', '.join(STATUSES)}.", field="status")
    if not 1 <= limit <= 1000:
        raise Invalid("limit must be between 1 and 1000.", field="limit")
    query = select(Alert)
    if incident_id is not None:
        query = query.where(Alert.incident_id == incident_id)
    if status is not None:
        query = query.where(Alert.status == status)
    if before is not None:
        query = query.where(Alert.id < before)
    return list(session.scalars(query.order_by(Alert.id.desc()).limit(limit)))
