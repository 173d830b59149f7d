"""The alerts attached to an incident as the room shows them: labels (the distinguishing
ones first), description and other annotations, the sending integration, count, first
and last seen, and the links (http(s) only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Alert, Integration
from warroom.domain import alert_context
from warroom.domain.alert_context import SafeLink


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    status: str
    summary: str
    description: str | None
    integration: str
    kind: str
    source: str | None
    service: str | None
    source_severity: str | None
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    labels: list[tuple[str, str]]
    annotations: list[tuple[str, str]]
    links: list[SafeLink]


def alert_view(alert: Alert, integration: str, kind: str) -> AlertView:
    details = alert.details or {}
    description = alert_context.description_of(details)
    return AlertView(
        id=alert.id,
        status=alert.status,
        summary=alert.summary,
        description=description if description != alert.summary else None,
        integration=integration,
        kind=kind,
        source=alert.source,
        service=alert.service,
        source_severity=alert.source_severity,
        count=alert.count,
        first_seen_at=alert.first_seen_at,
        last_seen_at=alert.last_seen_at,
        resolved_at=alert.resolved_at,
        labels=alert_context.ordered_labels(alert.labels or {}),
        annotations=alert_context.annotations_of(details),
        links=alert_context.safe_links(alert.links or [], details),
    )


def attached(session: Session, *, incident_id: int, limit: int = 50) -> list[AlertView]:
    """The incident's alerts, firing ones first, then newest first."""
    query = (
        select(Alert, Integration.name, Integration.kind)
        .join(Integration, Integration.id == Alert.integration_id)
        .where(Alert.incident_id == incident_id)
        .order_by(Alert.status, Alert.id.desc())  # 'firing' sorts before 'resolved'
        .limit(limit)
    )
    return [alert_view(alert, name, kind) for alert, name, kind in session.execute(query).all()]


def key_labels(views: list[AlertView]) -> list[tuple[str, str]]:
    """The distinguishing labels of these alerts (the host, the alert's name), each once."""
    return alert_context.distinguishing(dict(v.labels) for v in views)
