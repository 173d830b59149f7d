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
POSTMORTEM_DUE = "postmortem_due"
POSTMORTEM_DRAFT = "postmortem_draft"  # drafted by the worker, after the resolve commits


def severity_of(ctx: Context, incident: Incident) -> Severity:
    return ctx.config.severity(incident.severity)


def ack_due(ctx: Context, incident: Incident) -> datetime:
    """When the acknowledgement is due: `ack_within` after declaration."""
    level = severity_of(ctx, incident)
    return deadline(level, incident.declared_at, level.ack_within, ctx.config.business_hours)


def update_due(ctx: Context, incident: Incident, *, since: datetime) -> datetime | None:
    """When the next update is due: `update_every` after the last one (None if unset)."""
    level = severity_of(ctx, incident)
    if level.update_every is None:
        return None
    return deadline(level, since, level.update_every, ctx.config.business_hours)


def set_clocks(ctx: Context, incident: Incident, *, since: datetime, ack: bool = True) -> None:
    """Set the severity's deadlines on the incident: acknowledgement (if `ack`) and the
    next update, `since` the last one."""
    if ack:
        incident.ack_due_at = ack_due(ctx, incident)
    incident.next_update_due_at = update_due(ctx, incident, since=since)


def clock_jobs(
    ctx: Context, incident: Incident, *, now: datetime, ack: bool = True
) -> list[jobs.JobSpec]:
    """The jobs that watch the deadlines as set (acknowledgement if `ack`, next update),
    and the severity matrix's escalation."""
    specs = [
        _ack_job(incident) if ack else None,
        _update_job(incident),
        _escalation_job(ctx, incident, now=now),
    ]
    return [spec for spec in specs if spec is not None]


def _ack_job(incident: Incident) -> jobs.JobSpec | None:
    due = incident.ack_due_at
    if due is None:
        return None
    return jobs.JobSpec(ACK_OVERDUE, due, incident.id, {"due_at": due.isoformat()})


def _update_job(incident: Incident) -> jobs.JobSpec | None:
    due = incident.next_update_due_at
    if due is None:
        return None
    payload = {"due_at": due.isoformat(), "reminder": 1}
    return jobs.JobSpec(UPDATE_OVERDUE, due, incident.id, payload)


def _escalation_job(ctx: Context, incident: Incident, *, now: datetime) -> jobs.JobSpec | None:
    """The severity matrix: escalate to `escalate_to` if unresolved after `escalate_after`."""
    level = severity_of(ctx, incident)
    if level.escalate_after is None or not level.escalate_to:
        return None
    due = max(now, incident.declared_at + level.escalate_after)
    payload = {"severity": level.id, "to": level.escalate_to}
    return jobs.JobSpec(ESCALATE, due, incident.id, payload)


def arm_clocks(
    session: Session,
    ctx: Context,
    incident: Incident,
    *,
    since: datetime,
    now: datetime,
    ack: bool = True,
) -> None:
    """Start the severity's clocks (acknowledgement if `ack`, next update, escalation) in
    one INSERT of their jobs."""
    set_clocks(ctx, incident, since=since, ack=ack)
    jobs.schedule_all(session, clock_jobs(ctx, incident, now=now, ack=ack), now=now)


def arm_update(
    session: Session, ctx: Context, incident: Incident, *, since: datetime, now: datetime
) -> None:
    """The next update is due `update_every` after the last one (none if unset)."""
    incident.next_update_due_at = update_due(ctx, incident, since=since)
    spec = _update_job(incident)
    jobs.schedule_all(session, [spec] if spec else [], now=now)


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


def arm_postmortem(
    session: Session, ctx: Context, incident: Incident, *, resolved_at: datetime, now: datetime
) -> None:
    """When the severity asks for a post-mortem: its deadline, the job that reminds
    people of it then if the incident is not closed by that time, and the job that
    drafts it."""
    level = severity_of(ctx, incident)
    if not level.postmortem_required or level.postmortem_within is None:
        return
    due = deadline(level, resolved_at, level.postmortem_within, ctx.config.business_hours)
    incident.postmortem_due_at = due
    jobs.schedule_all(
        session,
        [
            jobs.JobSpec(POSTMORTEM_DUE, due, incident.id, {"due_at": due.isoformat()}),
            jobs.JobSpec(POSTMORTEM_DRAFT, now, incident.id, {}),
        ],
        now=now,
    )
