"""Opening incidents, one or many at once.

Declaring is on two hot paths: the API (a responder waits for the answer) and alert
ingestion (a storm opens hundreds of incidents, one per new alert group). So the new
incidents, their first timeline entries and the jobs that watch their deadlines are each
written with one INSERT for the whole batch, not one ORM flush per object.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.db.detached import maker
from warroom.db.models import Incident
from warroom.db.queries import checklists as checklist_sets
from warroom.db.queries import incidents as statements
from warroom.db.sql import with_defaults
from warroom.domain import checklists
from warroom.domain import incidents as rules
from warroom.domain.incidents import Source, Status
from warroom.errors import Invalid
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import deadlines, timeline
from warroom.services.incidents.inputs import clean, happened_at
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import escalation
from warroom.services.status import stakeholders, transitions

COLUMNS = statements.INCIDENT_COLUMNS


@dataclass(frozen=True, slots=True)
class Opening:
    """What a new incident starts from."""

    actor: str
    title: str
    severity: str
    service: str | None = None
    summary: str | None = None
    impact: str | None = None
    commander: str | None = None
    source: Source = Source.MANUAL
    at: datetime | None = None
    group_key: str | None = None  # alert grouping: the open incident of this group


def open_incidents(session: Session, *, ctx: Context, openings: list[Opening]) -> list[Incident]:
    """Validate and write new incidents with their timeline and clocks, in the caller's
    transaction. The returned incidents are not in the session: read them, don't change
    them (load one with `incidents.get` to act on it)."""
    if not openings:
        return []
    now = ctx.clock.now()
    given: dict[str, tuple[str, list[dict[str, Any]]]] = {}  # level: its checklist set
    made = [_incident(ctx, opening, now, given) for opening in openings]
    rows = [tuple(getattr(incident, key) for key in COLUMNS) for incident in made]
    checklist_sets.keep_sets(session.connection(), dict(given.values()))
    written = statements.insert_incidents(session.connection(), rows)
    for incident, (new_id, _) in zip(made, written, strict=True):
        incident.id = new_id
    taken = [channel_taken for _, channel_taken in written]
    _unique_channels(session, made, taken=taken)
    events = [e for o, i in zip(openings, made, strict=True) for e in _first_events(ctx, o, i, now)]
    timeline.append_all(session, events)
    specs: list[jobs.JobSpec] = []
    for incident in made:
        specs += deadlines.clock_jobs(ctx, incident, now=now)
        page = escalation.first_page(incident, now=now)
        specs += [page] if page else []
        specs += stakeholders.first_job(ctx, incident)
    jobs.schedule_all(session, specs, now=now)
    transitions.note_services(session, ctx, [incident.service for incident in made])
    return made


def _checklist_set(
    ctx: Context, level: str, given: dict[str, tuple[str, list[dict[str, Any]]]]
) -> str:
    """The digest of the checklist a new incident of this level gets (made once a batch)."""
    if level not in given:
        frozen = checklists.freeze(checklists.for_level(ctx.config.checklists, level))
        given[level] = (checklists.digest(frozen), frozen)
    return given[level][0]


def _incident(
    ctx: Context,
    opening: Opening,
    now: datetime,
    given: dict[str, tuple[str, list[dict[str, Any]]]],
) -> Incident:
    title = clean(opening.title, "title", 200)
    if not title:
        raise Invalid("title must not be empty.", field="title")
    level = ctx.config.severity(opening.severity)
    when = happened_at(now, opening.at)
    values = {
        "title": title,
        "summary": clean(opening.summary, "summary", 10_000),
        "impact": clean(opening.impact, "impact", 10_000),
        "severity": level.id,
        "status": Status.TRIGGERED.value,
        "source": opening.source.value,
        "service": ctx.config.check_service(clean(opening.service, "service", 80) or None),
        "channel": rules.channel_name(when, title),
        "commander": clean(opening.commander, "commander", 120) or None,
        "declared_at": when,
        "updated_at": now,
        "group_key": opening.group_key,
        "checklist_set": _checklist_set(ctx, level.id, given),
    }
    incident = _unsaved(**with_defaults(statements.INCIDENTS, values))
    deadlines.set_clocks(ctx, incident, since=when)
    incident.policy = escalation.policy_to_freeze(ctx, incident)
    return incident


# An Incident in no session (db/detached.py): it costs a sixth of `Incident(**values)`,
# which counts when a storm opens hundreds. It is written by the INSERT, never flushed.
_unsaved = maker(Incident)


def _unique_channels(session: Session, made: list[Incident], *, taken: list[bool]) -> None:
    """A channel name already taken, by an earlier incident or one earlier in this batch,
    gets the new incident's id."""
    seen: set[str] = set()
    renamed = []
    for incident, was_taken in zip(made, taken, strict=True):
        name = incident.channel
        if was_taken or name in seen:
            incident.channel = f"{name}-{incident.id}"
            renamed.append((incident.channel, incident.id))
        seen.add(name)
    statements.RENAME_CHANNELS.write(session.connection(), renamed)


def _first_events(
    ctx: Context, opening: Opening, incident: Incident, now: datetime
) -> list[dict[str, Any]]:
    level = ctx.config.severity(incident.severity)
    line = functools.partial(
        timeline.entry, incident.id, actor=opening.actor, at=incident.declared_at, now=now
    )
    declared = line(
        kind=Kind.DECLARED,
        text=f"Declared {level.id} ({level.name}): {incident.title}",
        data={"severity": level.id, "service": incident.service, "source": incident.source},
    )
    if not incident.commander:
        return [declared]
    commander = line(
        kind=Kind.ROLE,
        text=f"{incident.commander} is commander",
        data={"role": "commander", "person": incident.commander},
    )
    return [declared, commander]
