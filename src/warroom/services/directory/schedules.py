"""Reading the on-call schedules: who is on call now, the next handoff, and shifts as
iCalendar feeds (one per schedule, one per person across every schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.domain import ical
from warroom.domain.schedules import Schedule, Shift, next_handoff, on_call, shifts
from warroom.errors import Invalid, NotFound
from warroom.services.directory import cover, lookup

BEFORE = timedelta(days=7)  # a feed's default range: a week back ...
AFTER = timedelta(days=60)  # ... and two months ahead
LONGEST = timedelta(days=366)


class HandoffRead(BaseModel):
    at: datetime
    from_person: str | None
    to_person: str | None


class OnCallRead(BaseModel):
    schedule: str
    timezone: str
    at: datetime
    on_call: str | None
    layer: int | str | None  # the layer's index, "override", or None (nobody)
    until: datetime | None  # when the answer may change next
    next_handoff: HandoffRead | None


def find(config: WarroomConfig, name: str) -> Schedule:
    found = lookup.schedule(config, name)
    if found is None:
        raise NotFound(f"There is no schedule named {name!r}.", field="name")
    return found


def who(schedule: Schedule, at: datetime) -> OnCallRead:
    now = on_call(schedule, at)
    handoff = next_handoff(schedule, at)
    return OnCallRead(
        schedule=schedule.name,
        timezone=schedule.timezone,
        at=at,
        on_call=now.person,
        layer=now.layer,
        until=now.until,
        next_handoff=HandoffRead(
            at=handoff.at, from_person=handoff.from_person, to_person=handoff.to_person
        )
        if handoff
        else None,
    )


def overview(config: WarroomConfig, at: datetime) -> list[OnCallRead]:
    return [who(schedule, at) for schedule in config.schedules]


def span(now: datetime, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The range of a feed: given, or a week back to two months ahead; at most a year."""
    start = start or now - BEFORE
    end = end or start + BEFORE + AFTER
    if end <= start:
        raise Invalid("to must be after from.", field="to")
    if end - start > LONGEST:
        raise Invalid("a feed covers at most 366 days; ask for a shorter range.", field="to")
    return start, end


def _shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    try:
        return shifts(schedule, start, end)
    except ValueError as exc:
        raise Invalid(f"{exc}.", field="to") from None


def schedule_feed(
    config: WarroomConfig, name: str, *, start: datetime, end: datetime, now: datetime
) -> str:
    schedule = find(config, name)
    return ical.calendar(schedule.name, _shifts(schedule, start, end), now=now)


def person_feed(
    session: Session,
    config: WarroomConfig,
    name: str,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> str:
    """The person's shifts in every schedule, each event naming its schedule."""
    if lookup.person(session, config, name) is None:
        raise NotFound(f"There is no person named {name!r}.", field="name")
    entries = [  # stored overrides count
        (schedule.name, shift)
        for schedule in config.schedules
        for shift in _shifts(cover.with_stored(session, schedule, since=start), start, end)
        if shift.person == name
    ]
    entries.sort(key=lambda entry: entry[1].start)
    return ical.calendar_of(f"{name} on call", entries, now=now)
