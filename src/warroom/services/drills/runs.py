"""A drill sends a synthetic alert through the ingest path (so it is grouped, routed and
paged like any alert), marks the incident it opens as a drill (kept out of reports and
the public status page), and is timed from the timeline: how long until the first page
went out, and until someone acknowledged."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.db.models import Event
from warroom.domain.alerts import AlertAction, AlertIn
from warroom.errors import Invalid
from warroom.services.context import Context
from warroom.services.incidents import timeline
from warroom.services.incidents.lifecycle import get
from warroom.services.incidents.timeline import Kind
from warroom.services.ingest import apply, integrations, prep

INTEGRATION = "drills"  # the integration drill alerts come from
SYSTEM = "warroom"


@dataclass(frozen=True, slots=True)
class DrillTimes:
    incident_id: int
    ref: str
    drill: bool
    declared_at: datetime
    paged_at: datetime | None  # the first message that went out
    paged: str | None  # to whom
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    seconds_to_page: float | None
    seconds_to_acknowledge: float | None


def start(
    session: Session, *, ctx: Context, service: str | None, severity: str | None, actor: str
) -> int:
    """Send the drill's alert and mark its incident as a drill; the incident's id."""
    level = ctx.config.severity(severity).id if severity else None
    service = ctx.config.check_service(service)
    key = f"drill-{secrets.token_hex(6)}"
    about = f" for {service}" if service else ""
    alert = AlertIn(
        dedup_key=key,
        action=AlertAction.TRIGGER,
        summary=f"DRILL: synthetic alert{about} (started by {actor})",
        severity=level or "critical",
        service=service,
        source="warroom drill",
        labels={"alertname": key, "drill": "true"},
    )
    [[outcome]] = apply.apply(
        session,
        ctx=ctx,
        submissions=[
            prep.prepare(
                ctx, integrations.builtin_sender(session, ctx=ctx, name=INTEGRATION), [alert]
            )
        ],
    )
    if outcome.incident_id is None:
        raise Invalid(
            f"the drill's alert was {outcome.result} by the routes: no incident opened.",
            field="service",
        )
    incident = get(session, outcome.incident_id, for_update=True)
    incident.drill = True
    now = ctx.clock.now()
    timeline.record(
        session,
        incident,
        kind=Kind.NOTE,
        actor=actor,
        at=now,
        now=now,
        text="This incident is a drill: acknowledge it as you would a real one.",
        data={"drill": True},
    )
    return incident.id


def times(session: Session, incident_id: int) -> DrillTimes:
    """How long the drill (or any incident) took to page and to be acknowledged."""
    incident = get(session, incident_id)
    events = timeline.events_of(session, incident_id)
    page = _first(events, Kind.NOTIFIED.value)
    ack = _first(events, Kind.ACKNOWLEDGED.value)
    start_at = incident.declared_at
    return DrillTimes(
        incident_id=incident.id,
        ref=f"INC-{incident.id}",
        drill=incident.drill,
        declared_at=start_at,
        paged_at=page.at if page else None,
        paged=str(page.data.get("person")) if page else None,
        acknowledged_at=ack.at if ack else None,
        acknowledged_by=ack.actor if ack else None,
        seconds_to_page=(page.at - start_at).total_seconds() if page else None,
        seconds_to_acknowledge=(ack.at - start_at).total_seconds() if ack else None,
    )


def _first(events: list[Event], kind: str) -> Event | None:
    return next((e for e in events if e.kind == kind), None)
