"""The jobs table: schedule in the caller's transaction, claim by compare-and-set.

Jobs are claimed in batches by flipping `pending` to `running` with a lease, only on rows
still claimable (`UPDATE … WHERE id IN (…) AND status='pending' … RETURNING`): any number
of workers may race, and each row goes to one. A running job whose lease ran out (its
worker died) is claimed again the same way. Claims, finishes and failures are Core
statements: the worker's hot path builds no ORM objects.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, bindparam, event, or_, select, text, union_all, update
from sqlalchemy.orm import Session

from warroom.db import bulk
from warroom.db.engine import Database
from warroom.db.keyed import KeyedRead, bound
from warroom.db.models import Job
from warroom.db.prepared import Prepared

JOBS: Table = Job.__table__  # type: ignore[assignment]

LEASE = timedelta(minutes=2)
WAKE_FLAG = "warroom_jobs_scheduled"
SOON = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job to schedule: what, when, for which incident."""

    kind: str
    due_at: datetime
    incident_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def schedule(
    session: Session,
    *,
    kind: str,
    due_at: datetime,
    now: datetime,
    incident_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Add a job to the caller's transaction: it exists exactly when the change does."""
    schedule_all(session, [JobSpec(kind, due_at, incident_id, payload or {})], now=now)


_INSERT = bulk.insert_rows(
    JOBS, ("kind", "incident_id", "payload", "due_at", "status", "attempts", "created_at")
)


def schedule_all(session: Session, specs: list[JobSpec], *, now: datetime) -> None:
    """Add jobs in one driver call (no ORM bookkeeping) to the caller's transaction."""
    if not specs:
        return
    rows = [(s.kind, s.incident_id, s.payload, s.due_at, "pending", 0, now) for s in specs]
    _INSERT.run(session, rows)
    if any(spec.due_at <= now + SOON for spec in specs):  # later ones: the regular poll
        session.info[WAKE_FLAG] = True


def on_scheduled(db: Database, call: Callable[[], None]) -> None:
    """Call `call` after each commit that scheduled a job due now (not after a rollback)."""

    @event.listens_for(db.write, "after_commit")
    def _scheduled(session: Session) -> None:
        if session.info.pop(WAKE_FLAG, False):
            call()

    @event.listens_for(db.write, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(WAKE_FLAG, None)


def _claimable(now: Any) -> Any:
    return or_(
        (JOBS.c.status == "pending") & (JOBS.c.due_at <= now),
        (JOBS.c.status == "running") & (JOBS.c.lease_until < now),
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job this worker holds: what the claim read back (`attempts` counts this try)."""

    id: int
    kind: str
    incident_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


CLAIMED_COLUMNS = [JOBS.c[f.name] for f in fields(Claimed)]


def _claim_statement(where: tuple[Any, ...] = ()) -> Any:
    """The claim UPDATE, its values bound at execution (building it costs more than
    running it, so the plain one is built once)."""
    now = bindparam("claim_now", type_=JOBS.c.due_at.type)
    limit = bindparam("claim_limit", type_=Integer())
    due = select(JOBS.c.id).where(JOBS.c.status == "pending", JOBS.c.due_at <= now, *where)
    stale = select(JOBS.c.id).where(JOBS.c.status == "running", JOBS.c.lease_until < now, *where)
    picked = [
        due.order_by(JOBS.c.due_at).limit(limit).with_for_update(skip_locked=True).cte("due"),
        stale.limit(limit).with_for_update(skip_locked=True).cte("stale"),
    ]
    ids = union_all(*(select(cte.c.id) for cte in picked))
    return (
        update(JOBS)
        .where(JOBS.c.id.in_(ids), _claimable(now))
        .values(
            status="running",
            claimed_by=bindparam("claim_worker", type_=JOBS.c.claimed_by.type),
            lease_until=bindparam("claim_lease", type_=JOBS.c.lease_until.type),
            attempts=JOBS.c.attempts + 1,
        )
        .returning(*CLAIMED_COLUMNS)
    )


CLAIM = Prepared(_claim_statement(), CLAIMED_COLUMNS)  # straight to the driver
CLAIM_KIND = Prepared(
    _claim_statement((JOBS.c.kind == bindparam("claim_kind", type_=JOBS.c.kind.type),)),
    CLAIMED_COLUMNS,
)


def claim(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    where: tuple[Any, ...] = (),
    kind: str | None = None,
) -> list[Claimed]:
    """Take up to `limit` due jobs (and jobs whose worker's lease ran out), of one `kind`
    if given, matching `where`, oldest first, in one statement. The UPDATE only flips rows
    still claimable (compare-and-set), and on PostgreSQL rows another worker is claiming
    are skipped (`FOR UPDATE SKIP LOCKED`), so racing workers never take the same job."""
    values = {"claim_now": now, "claim_limit": limit, "claim_worker": worker}
    values["claim_lease"] = now + LEASE
    connection = session.connection()
    if where:  # a claim of its own (bundling): rare, through SQLAlchemy
        if kind is not None:
            where += (JOBS.c.kind == kind,)
        rows: Any = connection.execute(_claim_statement(where), values)
    elif kind is not None:
        rows = CLAIM_KIND.run(connection, **values, claim_kind=kind)
    else:
        rows = CLAIM.run(connection, **values)
    return sorted((Claimed(*row) for row in rows), key=lambda j: (j.due_at, j.id))


def peek(session: Session, *, kinds: list[str], now: datetime, limit: int) -> list[Claimed]:
    """Up to `limit` pending jobs of these kinds due now, oldest first, as a claim would
    read them back; only read (a worker drafts their work before it claims them)."""
    if not kinds or limit <= 0:
        return []
    rows = _peek_statement(tuple(sorted(kinds))).run(session.connection(), now=now, limit=limit)
    return [Claimed(*row) for row in rows]


@functools.cache
def _peek_statement(kinds: tuple[str, ...]) -> Prepared:
    """Straight to the driver, as a claim is (a worker peeks at every pass): one statement
    for each set of kinds, which are few (the drafters')."""
    return Prepared(
        select(*CLAIMED_COLUMNS)
        .where(
            JOBS.c.status == "pending",
            JOBS.c.due_at <= bindparam("now", type_=JOBS.c.due_at.type),
            or_(*(JOBS.c.kind == kind for kind in kinds)),
        )
        .order_by(JOBS.c.due_at)
        .limit(bindparam("limit", type_=Integer())),
        CLAIMED_COLUMNS,
    )


_FINISH = KeyedRead(
    "UPDATE jobs SET status = 'done', finished_at = :now, lease_until = NULL"
    " WHERE id {keys} AND status = 'running' AND claimed_by = :worker RETURNING id"
)


def finish(session: Session, ids: list[int], *, worker: str, now: datetime) -> set[int]:
    """Mark done, in one statement, those of these jobs this worker still holds (a worker
    whose lease ran out may find another took them over); returns their ids. Straight to
    the driver: SQLAlchemy's execution cost ten times what SQLite takes for a pass's few."""
    if not ids:
        return set()
    connection = session.connection()
    at = bound(JOBS.c.finished_at, connection, now)
    return {row[0] for row in _FINISH.run(connection, ids, now=at, worker=worker)}


def fail(
    session: Session,
    job: Claimed,
    *,
    worker: str,
    now: datetime,
    error: str,
    retry_in: timedelta,
    give_up: bool = False,
) -> bool:
    """Record the failure on the row and try again later (or give up: told to, or after
    10 tries). False when this worker no longer holds the job (nothing is written)."""
    values: dict[str, Any] = {"last_error": error[:2000], "lease_until": None}
    if give_up or job.attempts >= 10:
        values |= {"status": "failed", "finished_at": now}
    else:
        values |= {"status": "pending", "due_at": now + retry_in}
    mine = JOBS.c.id == job.id, JOBS.c.status == "running", JOBS.c.claimed_by == worker
    written = session.execute(update(JOBS).where(*mine).values(values).returning(JOBS.c.id))
    return written.first() is not None


def give_back(session: Session, job: Claimed, *, due_at: datetime) -> None:
    """Return a claimed job unrun, due again at `due_at` (this claim was not a try)."""
    session.execute(
        update(JOBS)
        .where(JOBS.c.id == job.id)
        .values(
            status="pending",
            due_at=due_at,
            attempts=max(0, job.attempts - 1),
            claimed_by=None,
            lease_until=None,
        )
    )


def next_due_at(session: Session) -> datetime | None:
    """When the next pending job is due (ORDER BY … LIMIT 1 reads one index entry; MIN
    with a WHERE scans the partial index on SQLite)."""
    result: datetime | None = session.connection().scalar(_NEXT_DUE)
    return result


_NEXT_DUE = select(JOBS.c.due_at).where(JOBS.c.status == "pending").order_by(JOBS.c.due_at).limit(1)


def lag_seconds(session: Session, *, now: datetime) -> float:
    """How late the oldest due job is; 0 when nothing is waiting."""
    oldest = next_due_at(session)
    return max(0.0, (now - oldest).total_seconds()) if oldest and oldest <= now else 0.0


def take_turns(session: Session, name: str) -> None:
    """Hold, until the transaction ends, a lock of this name: planners that must not run
    side by side (two workers starting at once) wait for each other. PostgreSQL: an
    advisory lock; SQLite: nothing to do, as its writers already run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
