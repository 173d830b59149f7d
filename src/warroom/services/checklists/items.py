"""An incident's checklist: the items copied onto it when it opened (its level's, widened
when the level changes), each ticked by the event that did it or by the person who
ticked it (a tick by hand is kept and put on the timeline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.db.operations import ChecklistTick
from warroom.db.queries import checklists as checklist_sets
from warroom.domain.checklists import Item, Line, Phase, Tick, for_level, lines, thaw
from warroom.domain.incidents import ref_of
from warroom.errors import Invalid
from warroom.services.context import Context
from warroom.services.incidents import timeline
from warroom.services.incidents.lifecycle import get, touch
from warroom.services.incidents.timeline import Kind


@dataclass(frozen=True, slots=True)
class ItemRead:
    phase: str
    key: str
    label: str
    automatic: bool  # ticks itself from the timeline
    done: bool
    done_at: datetime | None
    done_by: str | None
    event_id: int | None  # the timeline event that ticked it (automatic ticks)


def read(line: Line) -> ItemRead:
    tick = line.tick
    return ItemRead(
        phase=line.phase.value,
        key=line.item.key,
        label=line.item.label,
        automatic=line.item.auto is not None,
        done=tick is not None,
        done_at=tick.at if tick else None,
        done_by=tick.by if tick else None,
        event_id=tick.event_id if tick else None,
    )


def items_of(session: Session, ctx: Context, incident: Incident) -> list[tuple[Phase, Item]]:
    """The incident's own items, copied when it opened (an incident from before that
    copy existed reads the config's items for its level)."""
    if incident.checklist_set is not None:
        return thaw(checklist_sets.set_items(session.connection(), incident.checklist_set))
    return for_level(ctx.config.checklists, incident.severity)


def checklist(session: Session, *, ctx: Context, incident_id: int) -> list[ItemRead]:
    incident = get(session, incident_id)
    items = items_of(session, ctx, incident)
    manual = {
        (row.phase, row.item_key): Tick(at=row.at, by=row.by)
        for row in session.scalars(
            select(ChecklistTick).where(ChecklistTick.incident_id == incident_id)
        )
    }
    events = timeline.events_of(session, incident_id)
    return [read(line) for line in lines(items, events, manual)]


def tick(
    session: Session,
    *,
    ctx: Context,
    incident_id: int,
    item: str,
    actor: str,
    done: bool = True,
) -> ItemRead:
    """Tick (or, `done=False`, untick) an item by hand; `item` is `KEY` or `PHASE.KEY`."""
    incident = get(session, incident_id, for_update=True)
    phase_text, _, key = item.strip().rpartition(".")
    items = items_of(session, ctx, incident)
    found = [
        (phase, entry)
        for phase, entry in items
        if entry.key == key and (not phase_text or phase.value == phase_text)
    ]
    if not found:
        known = ", ".join(f"{p.value}.{i.key}" for p, i in items)
        raise Invalid(
            f"{ref_of(incident_id)} has no checklist item {item!r} ({known}).", field="item"
        )
    if len(found) > 1:
        raise Invalid(f"{key!r} is in several phases: name one, e.g. during.{key}.", field="item")
    phase, entry = found[0]
    now = ctx.clock.now()
    existing = session.scalar(
        select(ChecklistTick).where(
            ChecklistTick.incident_id == incident_id,
            ChecklistTick.phase == phase.value,
            ChecklistTick.item_key == key,
        )
    )
    if done and existing is None:
        session.add(
            ChecklistTick(
                incident_id=incident_id, phase=phase.value, item_key=key, by=actor, at=now
            )
        )
    elif not done and existing is not None:
        session.execute(delete(ChecklistTick).where(ChecklistTick.id == existing.id))
    else:
        return _item(session, ctx, incident_id, phase, key)
    touch(incident, now)
    timeline.record(
        session,
        incident,
        kind=Kind.CHECKLIST,
        actor=actor,
        at=now,
        now=now,
        text=f"{'Ticked' if done else 'Unticked'}: {entry.label}",
        data={"phase": phase.value, "item": key, "done": done},
    )
    session.flush()
    return _item(session, ctx, incident_id, phase, key)


def _item(session: Session, ctx: Context, incident_id: int, phase: Phase, key: str) -> ItemRead:
    return next(
        i
        for i in checklist(session, ctx=ctx, incident_id=incident_id)
        if i.phase == phase.value and i.key == key
    )
