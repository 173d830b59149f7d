"""What the overdue jobs do when their time comes. Each checks the incident is still in
the state that made the job, so a job made stale by a later change does nothing.

The worker hands each kind's handler a batch of its due jobs: most run them one by one,
paging runs a batch with a few statements in all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident
from warroom.domain.durations import format_duration
from warroom.domain.incidents import Status, is_open
from warroom.domain.severities import deadline
from warroom.services import alerts, deadlines, handoffs, incidents, jobs, paging, timeline
from warroom.services.context import Context
from warroom.services.timeline import Kind

SYSTEM = "warroom"
Handler = Callable[[Session, Context, jobs.Claimed], None]
BatchHandler = Callable[[Session, Context, list[jobs.Claimed]], None]  # jobs of one kind


def _incident(session: Session, job: jobs.Claimed) -> Incident | None:
    if job.incident_id is None:
        return None
    return session.get(Incident, job.incident_id, with_for_update=True)


def _same(moment: datetime | None, text: object) -> bool:
    return moment is not None and moment.isoformat() == text


def ack_overdue(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    incident = _incident(session, job)
    if incident is None or incident.status != Status.TRIGGERED:
        return
    if not _same(incident.ack_due_at, job.payload.get("due_at")):
        return
    now = ctx.clock.now()
    level = deadlines.severity_of(ctx, incident)
    incident.escalation_level += 1
    incident.version += 1
    incident.updated_at = now
    timeline.record(
        session,
        incident,
        kind=Kind.ACK_OVERDUE,
        actor=SYSTEM,
        at=now,
        now=now,
        text=f"Not acknowledged within {format_duration(level.ack_within)}: escalating "
        f"(level {incident.escalation_level})",
        data={"due_at": job.payload.get("due_at"), "level": incident.escalation_level},
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
    timeline.record(
        session,
        incident,
        kind=Kind.UPDATE_OVERDUE,
        actor=SYSTEM,
        at=now,
        now=now,
        text=f"No update for {format_duration(level.update_every)} at {level.id}: post one now",
        data={"due_at": job.payload.get("due_at"), "reminder": count},
    )
    if incident.commander:
        paging.notify(
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
    reached = paging.escalate_to(session, ctx=ctx, incident=incident, target=target)
    who = f" ({', '.join(reached)} notified)" if reached else " (nobody is configured for it)"
    timeline.record(
        session,
        incident,
        kind=Kind.ESCALATED,
        actor=SYSTEM,
        at=now,
        now=now,
        text=f"{incident.severity} still unresolved: escalated to {target}{who}",
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
        incidents.resolve(
            session,
            ctx=ctx,
            actor=SYSTEM,
            incident_id=incident.id,
            message=f"Resolved automatically: no alert fired again within {window}",
            by_system=True,
        )
        return
    timeline.record(
        session,
        incident,
        kind=Kind.MONITORING_OVER,
        actor=SYSTEM,
        at=now,
        now=now,
        text=f"Monitored for {window} with no change: resolve it if the fix holds",
    )


def each(handler: Handler) -> BatchHandler:
    """A handler of one job as a handler of a batch: the jobs one after another."""

    def run(session: Session, ctx: Context, batch: list[jobs.Claimed]) -> None:
        for job in batch:
            handler(session, ctx, job)

    return run


HANDLERS: dict[str, BatchHandler] = {
    deadlines.ACK_OVERDUE: each(ack_overdue),
    deadlines.UPDATE_OVERDUE: each(update_overdue),
    deadlines.ESCALATE: each(escalate),
    deadlines.MONITORING_OVER: each(monitoring_over),
    paging.PAGE: paging.page,
    handoffs.HANDOFF: each(handoffs.remind),
}
