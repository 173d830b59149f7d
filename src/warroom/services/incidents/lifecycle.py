"""Incident use cases: declare, acknowledge, move, update, re-rate, assign, reopen.

Each takes an open write session and leaves the commit to its caller, so one request
or command is one transaction. Every change is a timeline event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.db.queries import checklists as checklist_sets
from warroom.domain import checklists, room_rules
from warroom.domain import incidents as rules
from warroom.domain.incidents import Source, Status
from warroom.errors import Conflict, Invalid, InvalidTransition, NotFound
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import deadlines, openings, timeline
from warroom.services.incidents.inputs import clean, happened_at
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import escalation
from warroom.services.postmortems import closing
from warroom.services.status import publishing, transitions

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database: no incident lies beyond


def get(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    if not 0 < incident_id <= MAX_ID:
        raise NotFound(f"{rules.ref_of(incident_id)} does not exist.", field="ref")
    incident = session.get(Incident, incident_id, with_for_update=for_update)
    if incident is None:
        raise NotFound(f"{rules.ref_of(incident_id)} does not exist.", field="ref")
    return incident


def touch(incident: Incident, now: datetime) -> None:
    incident.version += 1
    incident.updated_at = now


def refuse_if_closed(incident: Incident) -> None:
    if incident.status == Status.CLOSED:
        raise Conflict(f"{rules.ref_of(incident.id)} is closed and cannot change.", field="ref")


def declare(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    title: str,
    severity: str,
    service: str | None = None,
    summary: str | None = None,
    impact: str | None = None,
    commander: str | None = None,
    source: Source = Source.MANUAL,
    at: datetime | None = None,
) -> Incident:
    """Open one incident (see `openings.open_incidents`; the result is read-only). A
    commander must be a person warroom knows when the config lists people."""
    if named := clean(commander, "commander", 120):
        lookup.vet_person(session, ctx.config, named, field="commander")
    opening = openings.Opening(
        actor=actor,
        title=title,
        severity=severity,
        service=service,
        summary=summary,
        impact=impact,
        commander=commander,
        source=source,
        at=at,
    )
    return openings.open_incidents(session, ctx=ctx, openings=[opening])[0]


def change_status(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    status: Status,
    message: str | None = None,
    at: datetime | None = None,
    auto_resolve: bool = False,
    by_system: bool = False,
    override: str | None = None,
) -> Incident:
    """Move forward; `auto_resolve` (alerts all clear) resolves it after the monitoring
    window unless something changes; closing waits for a required post-mortem unless
    `override` gives an admin's reason."""
    incident = get(session, incident_id, for_update=True)
    current = Status(incident.status)
    ref = rules.ref_of(incident.id)
    if status == Status.ACKNOWLEDGED and current != Status.TRIGGERED:
        raise InvalidTransition(f"{ref} is already acknowledged (it is {current}).", field="status")
    rules.check_transition(ref, current, status)
    message = clean(message, "message", 10_000)
    if status == Status.CLOSED:
        overridden = closing.refuse_unless_done(session, ctx, incident, override=override)
        message = " · ".join(part for part in (message, overridden) if part)
    now = ctx.clock.now()
    when = happened_at(now, at, incident)
    resolved_now = _apply_milestones(incident, status, when, acknowledging=not by_system)
    incident.status = status.value
    touch(incident, now)
    kind = Kind.ACKNOWLEDGED if status == Status.ACKNOWLEDGED else Kind.STATUS
    move = f"Status {current} → {status}"
    if kind == Kind.ACKNOWLEDGED:
        text = message or move
    else:
        text = f"{move}: {message}" if message else move
    event_id = timeline.record(
        session,
        incident,
        kind=kind,
        actor=actor,
        at=when,
        now=now,
        text=text,
        data=_move_data(current, status, message),
    )
    session.flush()
    if resolved_now:
        deadlines.arm_postmortem(session, ctx, incident, resolved_at=when, now=now)
    if not rules.is_open(status):
        incident.next_update_due_at = None
        if rules.is_open(current):
            escalation.on_resolved(session, ctx=ctx, incident=incident, message=message)
    elif message:
        deadlines.arm_update(session, ctx, incident, since=when, now=now)
    if status == Status.MONITORING:
        deadlines.arm_monitoring(
            session,
            ctx,
            incident,
            since=when,
            after_event=event_id,
            now=now,
            auto_resolve=auto_resolve,
        )
    transitions.note_services(session, ctx, [incident.service])
    return incident


def _apply_milestones(
    incident: Incident, status: Status, when: datetime, *, acknowledging: bool
) -> bool:
    """Fill the milestone timestamps a move reaches, jumps included; True when this move
    resolves the incident."""
    rank = rules.ORDER.index(status)
    acked = rank >= rules.ORDER.index(Status.ACKNOWLEDGED) and incident.acknowledged_at is None
    if acked and acknowledging:  # the system moving it on is no acknowledgement (MTTA)
        incident.acknowledged_at = when
    if rank >= rules.ORDER.index(Status.MONITORING) and incident.mitigated_at is None:
        incident.mitigated_at = when
    resolved_now = rank >= rules.ORDER.index(Status.RESOLVED) and incident.resolved_at is None
    if resolved_now:
        incident.resolved_at = when
    if status == Status.CLOSED:
        incident.closed_at = when
    return resolved_now


def _move_data(current: Status, status: Status, message: str | None) -> dict[str, str]:
    """A status line's data: the move, and the message said with it (the text holds both)."""
    data = {"from": current.value, "to": status.value}
    return data | {"message": message} if message else data


def acknowledge(
    session: Session, *, ctx: Context, actor: str, incident_id: int, at: datetime | None = None
) -> Incident:
    return change_status(
        session,
        ctx=ctx,
        actor=actor,
        incident_id=incident_id,
        status=Status.ACKNOWLEDGED,
        message=f"Acknowledged by {actor}",
        at=at,
    )


def resolve(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    message: str | None = None,
    at: datetime | None = None,
    by_system: bool = False,
) -> Incident:
    return change_status(
        session,
        ctx=ctx,
        actor=actor,
        incident_id=incident_id,
        status=Status.RESOLVED,
        message=message,
        at=at,
        by_system=by_system,
    )


def close(
    session: Session, *, ctx: Context, actor: str, incident_id: int, override: str | None = None
) -> Incident:
    """Close for good; a required post-mortem must be published first, unless `override`
    (an admin's reason, which the timeline keeps) says otherwise."""
    return change_status(
        session,
        ctx=ctx,
        actor=actor,
        incident_id=incident_id,
        status=Status.CLOSED,
        override=override,
    )


def reopen(
    session: Session, *, ctx: Context, actor: str, incident_id: int, message: str | None = None
) -> Incident:
    incident = get(session, incident_id, for_update=True)
    current = Status(incident.status)
    rules.check_reopen(rules.ref_of(incident.id), current)
    now = ctx.clock.now()
    incident.status = Status.INVESTIGATING.value
    incident.resolved_at = None
    incident.mitigated_at = None
    incident.postmortem_due_at = None
    touch(incident, now)
    timeline.record(
        session,
        incident,
        kind=Kind.REOPENED,
        actor=actor,
        at=now,
        now=now,
        text=clean(message, "message", 10_000) or f"Reopened (was {current})",
        data={"from": current.value, "to": Status.INVESTIGATING.value},
    )
    deadlines.arm_update(session, ctx, incident, since=now, now=now)
    transitions.note_services(session, ctx, [incident.service])
    return incident


def post_update(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    message: str,
    public: bool = False,
    at: datetime | None = None,
) -> Incident:
    text = clean(message, "message", 10_000)
    if not text:
        raise Invalid("message must not be empty.", field="message")
    incident = get(session, incident_id, for_update=True)
    refuse_if_closed(incident)
    now = ctx.clock.now()
    when = happened_at(now, at, incident)
    touch(incident, now)
    timeline.record(
        session,
        incident,
        kind=Kind.UPDATE,
        actor=actor,
        at=when,
        now=now,
        text=text,
        public=public,
    )
    if public:  # the status page, its subscribers and its reminder
        publishing.on_public_update(session, ctx=ctx, incident=incident, text=text, at=when)
    if rules.is_open(Status(incident.status)):
        deadlines.arm_update(session, ctx, incident, since=when, now=now)
        escalation.on_update(session, ctx=ctx, incident=incident, author=actor, text=text)
    return incident


def _widen_checklist(session: Session, ctx: Context, incident: Incident) -> None:
    """The new level's checklist items join the ones the incident has."""
    if incident.checklist_set is None:
        return  # opened before incidents kept their own: it follows the config
    connection = session.connection()
    had = checklists.thaw(checklist_sets.set_items(connection, incident.checklist_set))
    added = checklists.for_level(ctx.config.checklists, incident.severity)
    frozen = checklists.freeze(checklists.widen(had, added))
    digest = checklists.digest(frozen)
    checklist_sets.keep_sets(connection, {digest: frozen})
    incident.checklist_set = digest


def change_severity(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    severity: str,
    reason: str | None = None,
) -> Incident:
    level = ctx.config.severity(severity)
    incident = get(session, incident_id, for_update=True)
    refuse_if_closed(incident)
    ref = rules.ref_of(incident.id)
    if level.id == incident.severity:
        raise Conflict(f"{ref} is already {level.id}.", field="severity")
    previous = incident.severity
    new_rank, old_rank = ctx.config.rank(level.id), ctx.config.rank(previous)
    reason_text = clean(reason, "reason", 2000)
    if room_rules.reason_needed(new_rank, old_rank) and not reason_text:
        raise Invalid(f"Say why {ref} is raised to {level.id}.", field="reason")
    direction = "raised" if new_rank < old_rank else "lowered"
    now = ctx.clock.now()
    incident.severity = level.id
    _widen_checklist(session, ctx, incident)
    touch(incident, now)
    text = f"Severity {direction} {previous} → {level.id}" + (
        f": {reason_text}" if reason_text else ""
    )
    timeline.record(
        session,
        incident,
        kind=Kind.SEVERITY,
        actor=actor,
        at=now,
        now=now,
        text=text,
        data={"from": previous, "to": level.id, "reason": reason_text},
    )
    if rules.is_open(Status(incident.status)):
        unacknowledged = incident.acknowledged_at is None
        deadlines.arm_clocks(session, ctx, incident, since=now, now=now, ack=unacknowledged)
        if direction == "raised":
            escalation.on_raised(session, ctx=ctx, incident=incident, reason=reason_text)
    transitions.note_services(session, ctx, [incident.service])
    return incident
