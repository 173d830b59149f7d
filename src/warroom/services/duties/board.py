"""The duty board: each recurring duty's current period, who is on call for it, whether
it is done (and by whom), and its recent record; marking one done; and its reminders,
a chain of `duty.remind` jobs that tell the assignee while the period's duty is not done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from warroom.db import advisory
from warroom.db.models import Job
from warroom.db.operations import DutyRecord
from warroom.domain.duties import Duty, next_reminder, period
from warroom.domain.schedules import on_call
from warroom.errors import Conflict, Invalid, NotFound
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.paging import deliveries, messages

REMIND = "duty.remind"
HISTORY = 5  # records shown with each duty
JOBS: Table = Job.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DoneRead:
    period: str
    by: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class DutyRead:
    name: str
    title: str
    every: str
    items: list[str]
    period: str  # its days read in `timezone`
    timezone: str
    due_by: datetime  # the period's end
    schedule: str | None
    assignee: str | None  # on call on the schedule now
    done: DoneRead | None  # for the current period
    history: list[DoneRead]  # newest first


def find(ctx: Context, name: str) -> Duty:
    for duty in ctx.config.duties:
        if duty.name == name.strip():
            return duty
    known = ", ".join(d.name for d in ctx.config.duties) or "none are configured"
    raise NotFound(f"no duty is named {name!r} ({known}).", field="duty")


def schedule_of(ctx: Context, duty: Duty) -> str | None:
    if duty.schedule:
        return duty.schedule
    return ctx.config.schedules[0].name if ctx.config.schedules else None


def zone_of(ctx: Context, duty: Duty) -> ZoneInfo:
    """The zone the duty's days are read in: its own, else its schedule's, else UTC."""
    if duty.timezone:
        return ZoneInfo(duty.timezone)
    name = schedule_of(ctx, duty)
    schedule = lookup.schedule(ctx.config, name) if name else None
    return ZoneInfo(schedule.timezone if schedule else "UTC")


def assignee(ctx: Context, duty: Duty, at: datetime) -> str | None:
    name = schedule_of(ctx, duty)
    schedule = lookup.schedule(ctx.config, name) if name else None
    return on_call(schedule, at).person if schedule else None


def board(session: Session, *, ctx: Context) -> list[DutyRead]:
    now = ctx.clock.now()
    names = [d.name for d in ctx.config.duties]
    records: dict[str, list[DoneRead]] = {}
    rows = session.scalars(
        select(DutyRecord).where(DutyRecord.duty.in_(names)).order_by(DutyRecord.id.desc())
    )
    for row in rows:
        found = records.setdefault(row.duty, [])
        if len(found) < HISTORY:
            found.append(DoneRead(row.period, row.by, row.at, row.note))
    return [_read(ctx, duty, records.get(duty.name, []), now) for duty in ctx.config.duties]


def _read(ctx: Context, duty: Duty, history: list[DoneRead], now: datetime) -> DutyRead:
    zone = zone_of(ctx, duty)
    current = period(duty.every, now, zone)
    return DutyRead(
        name=duty.name,
        title=duty.title,
        every=duty.every.value,
        items=list(duty.items),
        period=current.key,
        timezone=zone.key,
        due_by=current.end,
        schedule=schedule_of(ctx, duty),
        assignee=assignee(ctx, duty, now),
        done=next((r for r in history if r.period == current.key), None),
        history=history,
    )


def mark_done(session: Session, *, ctx: Context, name: str, actor: str, note: str = "") -> DutyRead:
    """Record that `actor` did the duty for its current period."""
    duty = find(ctx, name)
    note = note.strip()
    if len(note) > 2000 or "\x00" in note:
        raise Invalid("note must be under 2000 characters.", field="note")
    now = ctx.clock.now()
    key = period(duty.every, now, zone_of(ctx, duty)).key
    done = session.scalar(
        select(DutyRecord).where(DutyRecord.duty == duty.name, DutyRecord.period == key)
    )
    if done is not None:
        raise Conflict(f"{duty.title} is already done for {key} (by {done.by}).", field="duty")
    session.add(DutyRecord(duty=duty.name, period=key, by=actor, at=now, note=note))
    session.flush()
    return next(d for d in board(session, ctx=ctx) if d.name == duty.name)


def plan(session: Session, *, ctx: Context, now: datetime) -> int:
    """Start a reminder chain for each duty that has none; how many were started."""
    advisory.take_turns(session, REMIND)
    chained = {
        payload.get("duty")
        for payload in session.scalars(
            select(JOBS.c.payload).where(
                JOBS.c.kind == REMIND, JOBS.c.status.in_(("pending", "running"))
            )
        )
    }
    specs = [
        jobs.JobSpec(REMIND, next_reminder(d, now, zone_of(ctx, d)), payload={"duty": d.name})
        for d in ctx.config.duties
        if d.remind and d.name not in chained
    ]
    jobs.schedule_all(session, specs, now=now)
    return len(specs)


def remind(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """Job handler: tell the assignee of a duty not yet done this period, then plan the
    next reminder. A duty no longer in the config ends its chain."""
    duty = next((d for d in ctx.config.duties if d.name == job.payload.get("duty")), None)
    if duty is None or not duty.remind:
        return
    now = ctx.clock.now()
    current = _read(ctx, duty, [], now)
    done = session.scalar(
        select(DutyRecord.id).where(
            DutyRecord.duty == duty.name, DutyRecord.period == current.period
        )
    )
    person = lookup.person(session, ctx.config, current.assignee) if current.assignee else None
    if done is None and person is not None:
        text = messages.render(
            "duty_due",
            templates_dir=ctx.config.templates_dir,
            title=duty.title,
            every=duty.every.value,
            period=current.period,
            due_by=current.due_by,
            items=list(duty.items),
            person=person.name,
            public_url=ctx.public_url,
        )
        deliveries.enqueue(
            session, person=person, text=text, kind="duty_due", incident_id=None, now=now
        )
    jobs.schedule(
        session,
        kind=REMIND,
        due_at=next_reminder(duty, now, zone_of(ctx, duty)),
        now=now,
        payload={"duty": duty.name},
    )
