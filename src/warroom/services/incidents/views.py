"""What a reader sees of an incident and its timeline: the same for API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from warroom.db.models import Event, Incident
from warroom.domain.incidents import PUBLIC_STATUS, Status, ref_of
from warroom.services.incidents.roles import responders_of
from warroom.services.incidents.timeline import is_late


class Roles(BaseModel):
    commander: str | None
    comms: str | None
    scribe: str | None
    responders: list[str]


class IncidentRead(BaseModel):
    id: int
    ref: str
    title: str
    summary: str
    impact: str
    severity: str
    status: str
    public_status: str
    source: str
    service: str | None
    channel: str
    roles: Roles
    declared_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    ack_due_at: datetime | None
    next_update_due_at: datetime | None
    postmortem_due_at: datetime | None
    escalation_level: int
    version: int
    updated_at: datetime


class EventRead(BaseModel):
    id: int
    at: datetime
    recorded_at: datetime
    late: bool
    actor: str
    kind: str
    text: str
    visibility: str
    data: dict[str, Any]


def incident_view(incident: Incident) -> IncidentRead:
    return IncidentRead(
        id=incident.id,
        ref=ref_of(incident.id),
        title=incident.title,
        summary=incident.summary,
        impact=incident.impact,
        severity=incident.severity,
        status=incident.status,
        public_status=PUBLIC_STATUS[Status(incident.status)],
        source=incident.source,
        service=incident.service,
        channel=incident.channel,
        roles=Roles(
            commander=incident.commander,
            comms=incident.comms,
            scribe=incident.scribe,
            responders=responders_of(incident),
        ),
        declared_at=incident.declared_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        closed_at=incident.closed_at,
        ack_due_at=incident.ack_due_at,
        next_update_due_at=incident.next_update_due_at,
        postmortem_due_at=incident.postmortem_due_at,
        escalation_level=incident.escalation_level,
        version=incident.version,
        updated_at=incident.updated_at,
    )


def event_view(event: Event) -> EventRead:
    return EventRead(
        id=event.id,
        at=event.at,
        recorded_at=event.recorded_at,
        late=is_late(event),
        actor=event.actor,
        kind=event.kind,
        text=event.text,
        visibility=event.visibility,
        data=event.data,
    )
