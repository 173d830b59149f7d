"""Overrides stored in the database (made through the UI, CLI or API), laid over a
config schedule: they win over every layer, as config overrides do, and over config
overrides too (they come later in the list)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import ScheduleOverride
from warroom.domain.schedules import Override, Schedule


def active_rows(session: Session, schedule: str, *, since: datetime) -> list[ScheduleOverride]:
    """The schedule's overrides not removed that end after `since`, in the order made."""
    query = (
        select(ScheduleOverride)
        .where(
            ScheduleOverride.schedule == schedule,
            ScheduleOverride.end_at > since,
            ScheduleOverride.removed_at.is_(None),
        )
        .order_by(ScheduleOverride.id)
    )
    return list(session.scalars(query))


def with_stored(session: Session, schedule: Schedule, *, since: datetime) -> Schedule:
    """The schedule with its stored overrides that end after `since` laid on top."""
    rows = active_rows(session, schedule.name, since=since)
    if not rows:
        return schedule
    extra = tuple(Override(person=r.person, start=r.start_at, end=r.end_at) for r in rows)
    return schedule.model_copy(update={"overrides": schedule.overrides + extra})
