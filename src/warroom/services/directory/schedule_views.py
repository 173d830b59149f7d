"""Schedules as people read them, stored overrides included: who is on call now and next,
each layer's shifts and the final result over a range, and one person's shifts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.domain.schedules import Schedule, Shift, shifts
from warroom.errors import Invalid
from warroom.services.directory import cover, schedules
from warroom.services.directory.schedules import OnCallRead


@dataclass(frozen=True)
class Row:
    """One line of a schedule's timeline: a layer, the overrides, or the final result."""

    name: str
    shifts: list[Shift]


@dataclass(frozen=True)
class ScheduleTimeline:
    schedule: Schedule
    start: datetime
    end: datetime
    rows: list[Row]  # each layer, then the overrides, then "On call" (the final result)
    final: list[Shift]


def effective(session: Session, config: WarroomConfig, name: str, *, since: datetime) -> Schedule:
    """The config's schedule with its stored overrides that end after `since`."""
    return cover.with_stored(session, schedules.find(config, name), since=since)


def who(session: Session, config: WarroomConfig, name: str, at: datetime) -> OnCallRead:
    return schedules.who(effective(session, config, name, since=at), at)


def overview(session: Session, config: WarroomConfig, at: datetime) -> list[OnCallRead]:
    return [who(session, config, s.name, at) for s in config.schedules]


def _shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    try:
        return shifts(schedule, start, end)
    except ValueError as exc:
        raise Invalid(f"{exc}.", field="to") from None


def timeline(
    session: Session, config: WarroomConfig, name: str, *, start: datetime, end: datetime
) -> ScheduleTimeline:
    schedule = effective(session, config, name, since=start)
    rows = []
    for index, layer in enumerate(schedule.layers):
        alone = schedule.model_copy(update={"layers": (layer,), "overrides": ()})
        rows.append(Row(f"Layer {index + 1}", _shifts(alone, start, end)))
    covers = [
        Shift(o.person, max(o.start, start), min(o.end, end))
        for o in schedule.overrides
        if o.end > start and o.start < end
    ]
    rows.append(Row("Overrides", sorted(covers, key=lambda s: s.start)))
    final = _shifts(schedule, start, end)
    rows.append(Row("On call", final))
    return ScheduleTimeline(schedule, start, end, rows, final)


def person_shifts(
    session: Session, config: WarroomConfig, person: str, *, start: datetime, end: datetime
) -> list[tuple[str, Shift]]:
    """The person's shifts in every schedule over the range, the soonest first."""
    found = [
        (schedule.name, shift)
        for schedule in config.schedules
        for shift in _shifts(effective(session, config, schedule.name, since=start), start, end)
        if shift.person == person
    ]
    return sorted(found, key=lambda entry: entry[1].start)
