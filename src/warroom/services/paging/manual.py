"""Paging someone by hand from an incident: a person, a team, or a schedule's on-call.

The page goes through the same outbox as escalation (`notices.queue`: one delivery job
per contact, with an acknowledge link while the incident is unacknowledged), and the
timeline says who paged whom ("alice paged bob"). Those paged hear the incident's later
updates and its resolution, as people paged by escalation do.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.domain import incidents as rules
from warroom.domain.people import parse_target
from warroom.errors import Invalid, NotFound
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import lifecycle, timeline
from warroom.services.incidents.inputs import clean
from warroom.services.incidents.timeline import Kind
from warroom.services.paging.escalation import PAGE, notify


def _check_exists(session: Session, ctx: Context, kind: str, name: str) -> None:
    config = ctx.config
    if kind == "person":
        found: object = lookup.person(session, config, name)
    elif kind == "team":
        found = lookup.team(session, config, name)
    else:
        found = lookup.schedule(config, name)
    if found is None:
        raise NotFound(f"There is no {kind} called {name!r}.", field="target")


def page_target(
    session: Session, *, ctx: Context, actor: str, incident_id: int, target: str
) -> list[str]:
    """Page `target` (person:NAME, team:NAME or schedule:NAME) about the incident; returns
    the people a message was queued for."""
    wanted = clean(target, "target", 200)
    try:
        kind, name = parse_target(wanted)
    except ValueError as exc:
        raise Invalid(str(exc), field="target") from None
    incident: Incident = lifecycle.get(session, incident_id, for_update=True)
    lifecycle.refuse_if_closed(incident)
    _check_exists(session, ctx, kind, name)
    now = ctx.clock.now()
    names, _ = lookup.resolve(session, ctx.config, [wanted], now)
    if not names:
        raise Invalid(f"{wanted} has nobody to page right now.", field="target")
    reached = notify(
        session, ctx=ctx, incident=incident, names=names, kind=PAGE, now=now, step=0, steps=0
    )
    ref = rules.ref_of(incident.id)
    if not reached:
        raise Invalid(
            f"{', '.join(names)} has no contact warroom can reach; nobody was paged about {ref}.",
            field="target",
        )
    via = "" if kind == "person" else f" ({wanted})"
    lifecycle.touch(incident, now)
    timeline.record(
        session,
        incident,
        kind=Kind.PAGED,
        actor=actor,
        at=now,
        now=now,
        text=f"{actor} paged {', '.join(reached)}{via}",
        data={"people": reached, "target": wanted, "by": actor},
    )
    return reached
