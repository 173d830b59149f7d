"""Handoff notices: shortly before each on-call handoff (`handoff_notice` ahead, 30 minutes
by default), the incoming person hears which incidents are open and what to check first.

Each handoff of each schedule has one `handoff` job. The worker plans the next one of each
schedule when it starts and after each notice; a job already made for a handoff (by any
worker, in any state) is not made again, so restarts and config edits add no repeats. A
notice whose handoff moved or changed hands since it was planned does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Incident, Job
from warroom.domain.checklists import handoff_items
from warroom.domain.incidents import OPEN_STATUSES, ref_of
from warroom.domain.jobs import JobStatus
from warroom.domain.schedules import Schedule, next_handoff
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import cover, lookup
from warroom.services.paging import deliveries, messages

HANDOFF = "handoff"
SHOWN = 20  # open incidents listed in a notice, the worst first


def _planned(session: Session, since: datetime) -> list[Job]:
    query = select(Job).where(Job.incident_id.is_(None), Job.kind == HANDOFF, Job.due_at >= since)
    return list(session.scalars(query))


def plan(session: Session, *, ctx: Context, now: datetime) -> int:
    """Make sure the next handoff of every schedule has its notice; returns how many new."""
    notice = ctx.config.handoff_notice
    known = {(j.payload.get("schedule"), j.payload.get("at")) for j in _planned(
        session, now - notice - timedelta(days=1))}  # fmt: skip
    added = 0
    for schedule in ctx.config.schedules:
        handoff = next_handoff(cover.with_stored(session, schedule, since=now), now)
        if handoff is None or handoff.to_person is None:
            continue
        if (schedule.name, handoff.at.isoformat()) in known:
            continue
        jobs.schedule(
            session,
            kind=HANDOFF,
            due_at=max(now, handoff.at - notice),
            now=now,
            payload={
                "schedule": schedule.name,
                "at": handoff.at.isoformat(),
                "from": handoff.from_person,
                "to": handoff.to_person,
            },
        )
        added += 1
    return added


def _still_so(schedule: Schedule | None, payload: dict[str, Any]) -> bool:
    if schedule is None:
        return False
    at = datetime.fromisoformat(payload["at"])
    handoff = next_handoff(schedule, at - timedelta(seconds=1))
    return handoff is not None and handoff.at == at and handoff.to_person == payload["to"]


def _first_for_its_handoff(session: Session, job: jobs.Claimed) -> bool:
    """Two workers starting at once may both plan a handoff: the older job sends."""
    twins = [
        j
        for j in _planned(session, job.due_at)
        if j.id < job.id and j.payload == job.payload and j.status != JobStatus.FAILED
    ]
    return not twins


def open_incidents(session: Session, ctx: Context) -> list[dict[str, Any]]:
    rows = session.scalars(select(Incident).where(Incident.status.in_(OPEN_STATUSES)))
    ranked = sorted(rows, key=lambda i: (ctx.config.rank(i.severity), i.id))[:SHOWN]
    return [
        {
            "ref": ref_of(i.id),
            "severity": i.severity,
            "title": i.title,
            "status": i.status,
            "commander": i.commander,
        }
        for i in ranked
    ]


def remind(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """Send one handoff notice (a job handler), then plan the following handoff."""
    payload = job.payload
    schedule = lookup.schedule(ctx.config, payload["schedule"])
    if schedule is not None:  # stored overrides count (a cover takes the handoff over)
        since = datetime.fromisoformat(payload["at"]) - timedelta(seconds=1)
        schedule = cover.with_stored(session, schedule, since=since)
    person = lookup.person(session, ctx.config, payload["to"])
    if _still_so(schedule, payload) and person and _first_for_its_handoff(session, job):
        at = datetime.fromisoformat(payload["at"]).astimezone(ZoneInfo(person.timezone))
        text = messages.render(
            "handoff",
            templates_dir=ctx.config.templates_dir,
            schedule=payload["schedule"],
            at=at,
            from_person=payload.get("from"),
            person=person.name,
            open_incidents=open_incidents(session, ctx),
            checklist=handoff_items(ctx.config.checklists),
        )
        now = ctx.clock.now()
        deliveries.enqueue(
            session, person=person, text=text, kind="handoff", incident_id=None, now=now
        )
    plan(session, ctx=ctx, now=max(ctx.clock.now(), datetime.fromisoformat(payload["at"])))
