"""What the overdue jobs do when their time comes. Each checks the incident is still in
the state that made the job, so a job made stale by a later change does nothing.
`scheduler/handlers.py` maps each job kind to its handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident
from warroom.domain.durations import format_duration
from warroom.domain.incidents import Status, is_open
from warroom.domain.severities import deadline
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import deadlines, lifecycle, timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.ingest import alerts
from warroom.services.paging import escalation
from warroom.services.postmortems import closing

SYSTEM = "warroom"


def _incident(session: Session, job: jobs.Claimed) -> Incident | None:
    if job.incident_id is None:
        return None
    return session.get(Incident, job.incident_id, with_for_update=True)


def _same(moment: datetime | None, text: object) -> bool:
    return moment is not None and moment.isoformat() == text


def _still_due(
    session: Session, job: jobs.Claimed, status: Status, deadline_field: str
) -> Incident | None:
    """The job's incident, locked, if it is still in `status` with the deadline the job
    was made for (a later change moves or clears it, and the job is then stale)."""
    incident = _incident(session, job)
    if incident is None or incident.status != status:
        return None
    return incident if _same(getattr(incident, deadline_field), job.payload.get("due_at")) else None


def _note(
    session: Session,
    incident: Incident,
    kind: Kind,
    now: datetime,
    text: str,
    data: dict[str, Any] | None = None,
) -> None:
    """The system's own line on the incident's timeline, written as it happens."""
    timeline.record(
        session, incident, kind=kind, actor=SYSTEM, at=now, now=now, text=text, data=data
    )


def ack_overdue(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    incident = _still_due(session, job, Status.TRIGGERED, "ack_due_at")
    if incident is None:
        return
    now = ctx.clock.now()
    waited = format_duration(deadlines.severity_of(ctx, incident).ack_within)
    incident.escalation_level += 1
    incident.version += 1
    incident.updated_at = now
    _note(
        session,
        incident,
        Kind.ACK_OVERDUE,
        now,
        f"Not acknowledged within {waited}: escalating (level {incident.escalation_level})",
        data={"due_at": job.payload.get("due_at"), "level": incident.escalation_level},
    )
    paged = escalation.paged_people(session, incident.id)
    if paged:  # those already paged are reminded, each with a fresh acknowledge link
        escalation.notify(
            session,
            ctx=ctx,
            incident=incident,
            names=paged,
            kind="ack_overdue",
            now=now,
            waited=waited,
        )


def update_overdue(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    incident = _incident(session, job)
    if incident is None or not is_open(Status(incident.status)):
        return
    if not _same(incident.next_update_due_at, job.payload.get("due_at")):
        return
    now = ctx.clock.now()
    level = deadlines.severity_of(ctx, incident)
    if level.update_every is None:
        return
    count = int(job.payload.get("reminder", 1))
    _note(
        session,
        incident,
        Kind.UPDATE_OVERDUE,
        now,
        f"No update for {format_duration(level.update_every)} at {level.id}: post one now",
        data={"due_at": job.payload.get("due_at"), "reminder": count},
    )
    if incident.commander:
        escalation.notify(
            session,
            ctx=ctx,
            incident=incident,
            names=[incident.commander],
            kind="update_due",
            now=now,
        )
    jobs.schedule(
        session,
        kind=deadlines.UPDATE_OVERDUE,
        due_at=deadline(level, now, level.update_every, ctx.config.business_hours),
        now=now,
        incident_id=incident.id,
        payload={**job.payload, "reminder": count + 1},
    )


def escalate(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    incident = _incident(session, job)
    if incident is None or not is_open(Status(incident.status)):
        return
    if incident.severity != job.payload.get("severity"):
        return
    now = ctx.clock.now()
    target = str(job.payload.get("to"))
    incident.escalation_level += 1
    incident.version += 1
    incident.updated_at = now
    reached = escalation.escalate_to(session, ctx=ctx, incident=incident, target=target)
    who = f" ({', '.join(reached)} notified)" if reached else " (nobody is configured for it)"
    _note(
        session,
        incident,
        Kind.ESCALATED,
        now,
        f"{incident.severity} still unresolved: escalated to {target}{who}",
        data={"to": target, "level": incident.escalation_level, "people": reached},
    )


def monitoring_over(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    incident = _incident(session, job)
    if incident is None or incident.status != Status.MONITORING:
        return
    after = int(job.payload.get("after_event", 0))
    moved = session.scalar(
        select(Event.id).where(
            Event.incident_id == incident.id,
            Event.kind.in_([Kind.STATUS.value, Kind.REOPENED.value]),
            Event.id > after,
        )
    )
    if moved is not None:
        return
    now = ctx.clock.now()
    level = deadlines.severity_of(ctx, incident)
    window = format_duration(level.monitor_for) if level.monitor_for else "the window"
    if job.payload.get("auto_resolve") and not alerts.firing_count(session, [incident.id]):
        lifecycle.resolve(
            session,
            ctx=ctx,
            actor=SYSTEM,
            incident_id=incident.id,
            message=f"Resolved automatically: no alert fired again within {window}",
            by_system=True,
        )
        return
    _note(
        session,
        incident,
        Kind.MONITORING_OVER,
        now,
        f"Monitored for {window} with no change: resolve it if the fix holds",
    )


def postmortem_due(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """The post-mortem's deadline came and the incident is still only resolved (closing
    it is how a team says the post-mortem is done): its commander is reminded, or, with
    none, everyone who was paged."""
    incident = _still_due(session, job, Status.RESOLVED, "postmortem_due_at")
    if incident is None or closing.published(session, incident.id):
        return
    now = ctx.clock.now()
    commander = [incident.commander] if incident.commander else None
    names = commander or escalation.paged_people(session, incident.id)
    reached = escalation.notify(
        session, ctx=ctx, incident=incident, names=names, kind="postmortem_due", now=now
    )
    who = f" ({', '.join(reached)} reminded)" if reached else ""
    _note(
        session,
        incident,
        Kind.POSTMORTEM_DUE,
        now,
        f"The post-mortem is due and the incident is not closed{who}",
        data={"due_at": job.payload.get("due_at"), "people": reached},
    )
