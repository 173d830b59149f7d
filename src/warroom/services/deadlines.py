"""The clocks an incident's severity starts, and the jobs that watch them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.domain.severities import Severity, deadline
from warroom.services import jobs
from warroom.services.context import Context

ACK_OVERDUE = "ack_overdue"
UPDATE_OVERDUE = "update_overdue"
ESCALATE = "escalate"
MONITORING_OVER = "monitoring_over"


def severity_of(ctx: Context, incident: Incident) -> Severity:
    return ctx.config.severity(incident.severity)


def arm_ack(session: Session, ctx: Context, incident: Incident, *, now: datetime) -> None:
    """Acknowledgement due `ack_within` after declaration; a job checks it then."""
    level = severity_of(ctx, incident)
    incident.ack_due_at = deadline(
        level, incident.declared_at, level.ack_within, ctx.config.business_hours
    )
    jobs.schedule(
        session,
        kind=ACK_OVERDUE,
        due_at=incident.ack_due_at,
        now=now,
        incident_id=incident.id,
        payload={"due_at": incident.ack_due_at.isoformat()},
    )


def arm_update(
    session: Session, ctx: Context, incident: Incident, *, since: datetime, now: datetime
) -> None:
    """The next update is due `update_every` after the last one (none if unset)."""
    level = severity_of(ctx, incident)
    if level.update_every is None:
        incident.next_update_due_at = None
        return
    due = deadline(level, since, level.update_every, ctx.config.business_hours)
    incident.next_update_due_at = due
    jobs.schedule(
        session,
        kind=UPDATE_OVERDUE,
        due_at=due,
        now=now,
        incident_id=incident.id,
        payload={"due_at": due.isoformat(), "reminder": 1},
    )


def arm_escalation(session: Session, ctx: Context, incident: Incident, *, now: datetime) -> None:
    """The severity matrix: escalate to `escalate_to` if unresolved after `escalate_after`."""
    level = severity_of(ctx, incident)
    if level.escalate_after is None or not level.escalate_to:
        return
    jobs.schedule(
        session,
        kind=ESCALATE,
        due_at=max(now, incident.declared_at + level.escalate_after),
        now=now,
        incident_id=incident.id,
        payload={"severity": level.id, "to": level.escalate_to},
    )


def arm_monitoring(
    session: Session,
    ctx: Context,
    incident: Incident,
    *,
    since: datetime,
    after_event: int,
    now: datetime,
    auto_resolve: bool = False,
) -> None:
    """After `monitor_for` in monitoring with no status change, prompt to resolve (or,
    for `auto_resolve`, resolve if no alert fired again)."""
    level = severity_of(ctx, incident)
    if level.monitor_for is None and not auto_resolve:
        return
    jobs.schedule(
        session,
        kind=MONITORING_OVER,
        due_at=since + (level.monitor_for or timedelta(0)),
        now=now,
        incident_id=incident.id,
        payload={"after_event": after_event, "auto_resolve": auto_resolve},
    )


def arm_postmortem(ctx: Context, incident: Incident, *, resolved_at: datetime) -> None:
    level = severity_of(ctx, incident)
    if level.postmortem_required and level.postmortem_within is not None:
        incident.postmortem_due_at = deadline(
            level, resolved_at, level.postmortem_within, ctx.config.business_hours
        )
