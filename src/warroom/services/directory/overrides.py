"""Covering a shift: overrides made through the UI, CLI or API, stored beside the
config's schedules (the config stays the source of the layers). Each says who made it
and when; removing one keeps it on record with who removed it.

The rules are the config's: an override names a person warroom knows, ends after it
starts, and wins over every layer while it lasts. Here also: it must not have ended
already, and it lasts at most 366 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import ScheduleOverride
from warroom.domain.schedules import Override
from warroom.errors import Conflict, Invalid, NotFound
from warroom.services.context import Context
from warroom.services.directory import lookup, schedules

LONGEST = timedelta(days=366)


class OverrideRead(BaseModel):
    id: int
    schedule: str
    person: str
    start: datetime
    end: datetime
    reason: str
    created_by: str
    created_at: datetime
    removed_by: str | None
    removed_at: datetime | None


def override_view(row: ScheduleOverride) -> OverrideRead:
    return OverrideRead(
        id=row.id,
        schedule=row.schedule,
        person=row.person,
        start=row.start_at,
        end=row.end_at,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        removed_by=row.removed_by,
        removed_at=row.removed_at,
    )


def add(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    schedule: str,
    person: str,
    start: datetime,
    end: datetime,
    reason: str = "",
) -> ScheduleOverride:
    """`person` covers `schedule` from `start` to `end`."""
    found = schedules.find(ctx.config, schedule)
    if lookup.person(session, ctx.config, person) is None:
        raise NotFound(f"There is no person named {person!r}.", field="person")
    try:
        checked = Override(person=person, start=start, end=end)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise Invalid(f"{message}.", field="end") from None
    now = ctx.clock.now()
    if checked.end <= now:
        raise Invalid("The override ends in the past; choose an end still to come.", field="end")
    if checked.end - checked.start > LONGEST:
        raise Invalid("An override lasts at most 366 days.", field="end")
    row = ScheduleOverride(
        schedule=found.name,
        person=person,
        start_at=checked.start,
        end_at=checked.end,
        reason=_reason(reason),
        created_by=actor,
        created_at=now,
        removed_by=None,
        removed_at=None,
    )
    session.add(row)
    session.flush()
    return row


def _reason(text: str) -> str:
    value = text.strip()
    if "\x00" in value or len(value) > 2000:
        raise Invalid("reason must be at most 2000 characters, without NUL.", field="reason")
    return value


def remove(session: Session, *, ctx: Context, actor: str, override_id: int) -> ScheduleOverride:
    row = session.get(ScheduleOverride, override_id, with_for_update=True)
    if row is None:
        raise NotFound(f"There is no override {override_id}.", field="id")
    if row.removed_at is not None:
        raise Conflict(
            f"Override {override_id} is already removed (by {row.removed_by}).", field="id"
        )
    row.removed_by = actor
    row.removed_at = ctx.clock.now()
    return row


def list_overrides(
    session: Session, *, schedule: str | None = None, include_past: bool = False, now: datetime
) -> list[ScheduleOverride]:
    """Overrides, the soonest first: those not ended and not removed, or (include_past)
    every one ever made, removed ones too."""
    query = select(ScheduleOverride)
    if schedule is not None:
        query = query.where(ScheduleOverride.schedule == schedule)
    if not include_past:
        query = query.where(ScheduleOverride.end_at > now, ScheduleOverride.removed_at.is_(None))
    return list(session.scalars(query.order_by(ScheduleOverride.start_at, ScheduleOverride.id)))
