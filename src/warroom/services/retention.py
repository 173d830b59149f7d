"""Retention: what only served to get work done is deleted once it is old.

Finished background jobs (deliveries among them, with their rendered messages) and
acknowledge links are deleted `purge_after` (90 days by default) after they finished or
expired. Incidents, their timelines and alerts are never deleted: the timeline keeps a
line for every message sent, so the record outlives the deliveries.

One `purge` job does it, once a day. It walks each table in id order, a window of
`WINDOW` rows a run, and deletes the rows in the window that are old enough; a window
that reaches a row made after the cutoff ends that table's walk (every later row is
newer still). Each run is one of the worker's passes, holding the write lock a few
milliseconds, and the next window is a job due at once, so a first purge of years of
rows goes on in small steps between pages rather than in one long transaction. The
worker makes sure a purge is planned when it starts; one that finds another purge
already waiting does not plan the next day's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Table, delete, exists, select
from sqlalchemy.orm import Session

from warroom.db.models import AckToken, AckTokenLegacy
from warroom.domain.jobs import JobStatus
from warroom.services import jobs
from warroom.services.context import Context

PURGE = "purge"
EVERY = timedelta(days=1)
WINDOW = 500  # rows looked at (and deleted at most) by one run
JOBS = jobs.JOBS
ACK_TOKENS: Table = AckToken.__table__  # type: ignore[assignment]
LEGACY: Table = AckTokenLegacy.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class _Walk:
    """One table's walk: the columns read, whether a row read is old enough to go, and
    the columns of other tables that refer to its rows (their rows go first)."""

    table: Table
    columns: tuple[str, ...]
    gone: Callable[[Mapping[Any, Any], datetime], bool]
    referred_by: tuple[Column[Any], ...] = ()


def _job_gone(row: Mapping[Any, Any], cutoff: datetime) -> bool:
    finished = row["finished_at"]
    finished_for_good = row["status"] in (JobStatus.DONE, JobStatus.FAILED)
    return finished_for_good and finished is not None and finished < cutoff


def _link_gone(row: Mapping[Any, Any], cutoff: datetime) -> bool:
    expires: datetime = row["expires_at"]
    return expires < cutoff


WALKS = {
    "jobs": _Walk(JOBS, ("status", "finished_at", "created_at"), _job_gone),
    "ack_tokens": _Walk(ACK_TOKENS, ("expires_at", "created_at"), _link_gone, (LEGACY.c.link_id,)),
}
ORDER = list(WALKS)


def plan(session: Session, *, ctx: Context, now: datetime) -> bool:
    """Plan a purge at once unless one is waiting or running; whether one was planned."""
    if _waiting(session, besides=()):
        return False
    jobs.schedule(session, kind=PURGE, due_at=now, now=now, payload=_start())
    return True


def _start() -> dict[str, Any]:
    return {"table": ORDER[0], "after": 0}


def _waiting(session: Session, *, besides: tuple[int, ...]) -> bool:
    query = select(JOBS.c.id).where(
        JOBS.c.kind == PURGE,
        JOBS.c.status.in_((JobStatus.PENDING.value, JobStatus.RUNNING.value)),
        JOBS.c.id.not_in(besides),
    )
    return bool(session.execute(select(exists(query))).scalar())


def purge(
    session: Session, ctx: Context, batch: list[jobs.Claimed], drafts: Mapping[int, object]
) -> None:
    """Run one window of a purge's walk (a job handler), and plan what follows."""
    now = ctx.clock.now()
    cutoff = now - ctx.config.purge_after
    job = batch[0]  # two planned at once (two workers starting): one goes on, for both
    table, after = str(job.payload["table"]), int(job.payload["after"])
    walked = _window(session, WALKS[table], after=after, cutoff=cutoff)
    if walked is not None:
        following, due = {"table": table, "after": walked}, now
    elif table != ORDER[-1]:
        following, due = {"table": ORDER[ORDER.index(table) + 1], "after": 0}, now
    elif _waiting(session, besides=tuple(j.id for j in batch)):
        return  # another purge is planned already: one a day is enough
    else:
        following, due = _start(), now + EVERY
    jobs.schedule(session, kind=PURGE, due_at=due, now=now, payload=following)


def _window(session: Session, walk: _Walk, *, after: int, cutoff: datetime) -> int | None:
    """Delete the old rows among the next `WINDOW` after id `after`; the last id looked
    at, or None when the walk is over (the end of the table, or a row made after the
    cutoff)."""
    table = walk.table
    read = (
        select(table.c.id, *(table.c[name] for name in walk.columns))
        .where(table.c.id > after)
        .order_by(table.c.id)
        .limit(WINDOW)
    )
    rows = [row._mapping for row in session.execute(read)]
    old = []
    over = len(rows) < WINDOW
    for row in rows:
        if row["created_at"] >= cutoff:
            over = True
            break
        if walk.gone(row, cutoff):
            old.append(row["id"])
    if old:
        for column in walk.referred_by:
            session.execute(delete(column.table).where(column.in_(old)))
        session.execute(delete(table).where(table.c.id.in_(old)))
    return None if over or not rows else int(rows[-1]["id"])
