"""What alerts do to incidents once a batch is written: reopen one that was being
monitored, raise its severity, acknowledge it, or move it towards resolved when every
alert of it has cleared."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.db.queries.incidents import STATES
from warroom.domain.alerts import clip
from warroom.domain.incidents import ORDER, Status, is_open
from warroom.domain.routing import AutoResolve
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.ingest import alerts


@dataclass(slots=True)
class Effects:
    # incident id → (level, summary, actor) of each new alert firing on an existing incident
    firing: dict[int, list[tuple[str | None, str, str]]] = field(default_factory=dict)
    acknowledge: dict[int, str] = field(default_factory=dict)  # incident id → actor
    cleared: dict[int, tuple[AutoResolve, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.firing or self.acknowledge or self.cleared)


class _State(NamedTuple):
    """What deciding needs of an incident; the services load the incident when they act."""

    id: int
    status: str
    severity: str


def apply(session: Session, *, ctx: Context, effects: Effects) -> None:
    if not effects:
        return
    ids = {*effects.firing, *effects.acknowledge, *effects.cleared}
    by_id = {row[0]: _State(*row) for row in STATES.run(session.connection(), sorted(ids))}
    for incident_id, firings in effects.firing.items():
        _fired_again(session, ctx, by_id[incident_id], firings)
    for incident_id, actor in effects.acknowledge.items():
        if by_id[incident_id].status == Status.TRIGGERED:
            lifecycle.acknowledge(session, ctx=ctx, actor=actor, incident_id=incident_id)
    still_firing = alerts.firing_count(session, list(effects.cleared)) if effects.cleared else {}
    for incident_id, (mode, actor) in effects.cleared.items():
        if still_firing.get(incident_id, 0) == 0:
            _all_clear(session, ctx, lifecycle.get(session, incident_id), mode, actor)


def _fired_again(
    session: Session,
    ctx: Context,
    incident: _State,
    firings: list[tuple[str | None, str, str]],
) -> None:
    if incident.status != Status.MONITORING and (
        not is_open(Status(incident.status)) or ctx.config.rank(incident.severity) == 0
    ):
        return  # nothing a firing alert could change
    level, summary, actor = min(
        firings, key=lambda f: ctx.config.rank(f[0]) if f[0] else len(ctx.config.level_ids)
    )
    if incident.status == Status.MONITORING:
        lifecycle.reopen(
            session,
            ctx=ctx,
            actor=actor,
            incident_id=incident.id,
            message=f"Alert fired again: {clip(summary, 300)}",
        )
    if (
        level
        and is_open(Status(incident.status))
        and (ctx.config.rank(level) < ctx.config.rank(incident.severity))
    ):
        lifecycle.change_severity(
            session,
            ctx=ctx,
            actor=actor,
            incident_id=incident.id,
            severity=level,
            reason=f"alert at {level}: {clip(summary, 200)}",
        )


def _all_clear(
    session: Session, ctx: Context, incident: Incident, mode: AutoResolve, actor: str
) -> None:
    status = Status(incident.status)
    before_monitoring = ORDER.index(status) < ORDER.index(Status.MONITORING)
    if mode == AutoResolve.OFF or not before_monitoring:
        now = ctx.clock.now()
        timeline.record(
            session,
            incident,
            kind=Kind.NOTE_ALERTS_CLEAR,
            actor=actor,
            at=now,
            now=now,
            text="Every alert of this incident has resolved",
        )
        return
    lifecycle.change_status(
        session,
        ctx=ctx,
        actor=actor,
        incident_id=incident.id,
        status=Status.MONITORING,
        message="Every alert has resolved: monitoring",
        auto_resolve=mode == AutoResolve.FULL,
        by_system=True,
    )
