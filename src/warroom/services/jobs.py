"""The jobs table: schedule in the caller's transaction, claim by compare-and-set.

Jobs are claimed in batches by flipping `pending` to `running` with a lease, only on rows
still claimable (`UPDATE … WHERE id IN (…) AND status='pending' … RETURNING`): any number
of workers may race, and each row goes to one. A running job whose lease ran out (its
worker died) is claimed again the same way. Claims, finishes and failures are Core
statements: the worker's hot path builds no ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.db.queries import jobs as statements
from warroom.domain.jobs import JobStatus

JOBS = statements.JOBS
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


def schedule_all(session: Session, specs: list[JobSpec], *, now: datetime) -> None:
    """Add jobs in one driver call (no ORM bookkeeping) to the caller's transaction."""
    if not specs:
        return
    rows = [(s.kind, s.incident_id, s.payload, s.due_at, now) for s in specs]
    statements.SCHEDULE.write(session.connection(), rows)
    if any(spec.due_at <= now + SOON for spec in specs):  # later ones: the regular poll
        session.info[WAKE_FLAG] = True


def schedule_once(session: Session, *, kind: str, due_at: datetime, now: datetime) -> None:
    """Schedule a job of this kind (for no incident) unless one is pending already. The
    pending one found is locked until the caller's transaction ends (a claim skips it
    meanwhile), so it runs after the caller's change; one another transaction holds is
    skipped here too, and a new one scheduled: at worst two, never none."""
    pending = (
        select(JOBS.c.id)
        .where(
            JOBS.c.kind == kind,
            JOBS.c.incident_id.is_(None),
            JOBS.c.status == statements.PENDING,
        )
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if session.connection().scalar(pending) is None:
        schedule(session, kind=kind, due_at=due_at, now=now)


def on_scheduled(db: Database, call: Callable[[], None]) -> None:
    """Call `call` after each commit that scheduled a job due now (not after a rollback)."""

    @event.listens_for(db.write, "after_commit")
    def _scheduled(session: Session) -> None:
        if session.info.pop(WAKE_FLAG, False):
            call()

    @event.listens_for(db.write, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(WAKE_FLAG, None)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job this worker holds: what the claim read back (`attempts` counts this try)."""

    id: int
    kind: str
    incident_id: int | None
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


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
        rows: Any = connection.execute(statements.claim_statement(where), values)
    elif kind is not None:
        rows = statements.CLAIM_KIND.run(connection, **values, claim_kind=kind)
    else:
        rows = statements.CLAIM.run(connection, **values)
    return sorted((Claimed(*row) for row in rows), key=lambda j: (j.due_at, j.id))


def peek(session: Session, *, kinds: list[str], now: datetime, limit: int) -> list[Claimed]:
    """Up to `limit` pending jobs of these kinds due now, oldest first, as a claim would
    read them back; only read (a worker drafts their work before it claims them)."""
    if not kinds or limit <= 0:
        return []
    peek_kinds = statements.peek(tuple(sorted(kinds)))
    rows = peek_kinds.run(session.connection(), now=now, limit=limit)
    return [Claimed(*row) for row in rows]


def finish(session: Session, ids: list[int], *, worker: str, now: datetime) -> set[int]:
    """Mark done, in one statement, those of these jobs this worker still holds (a worker
    whose lease ran out may find another took them over); returns their ids. Straight to
    the driver: SQLAlchemy's execution costs ten times what SQLite takes for a pass's few."""
    if not ids:
        return set()
    done = statements.FINISH.run(session.connection(), ids, now=now, worker=worker)
    return {row[0] for row in done}


def forget_messages(session: Session, ids: list[int]) -> None:
    """Drop the text (`body`) and structured form (`data`) of these finished jobs: they
    hold acknowledge links, which would let anyone who reads the database acknowledge."""
    if ids:
        statements.forget_messages(session.connection(), ids)


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
        values |= {"status": JobStatus.FAILED.value, "finished_at": now}
    else:
        values |= {"status": JobStatus.PENDING.value, "due_at": now + retry_in}
    mine = JOBS.c.id == job.id, JOBS.c.status == statements.RUNNING, JOBS.c.claimed_by == worker
    written = session.execute(update(JOBS).where(*mine).values(values).returning(JOBS.c.id))
    return written.first() is not None


def give_back(session: Session, job: Claimed, *, due_at: datetime) -> None:
    """Return a claimed job unrun, due again at `due_at` (this claim was not a try)."""
    session.execute(
        update(JOBS)
        .where(JOBS.c.id == job.id)
        .values(
            status=statements.PENDING,
            due_at=due_at,
            attempts=max(0, job.attempts - 1),
            claimed_by=None,
            lease_until=None,
        )
    )


def next_due_at(session: Session) -> datetime | None:
    """When the next pending job is due (ORDER BY … LIMIT 1 reads one index entry; MIN
    with a WHERE scans the partial index on SQLite)."""
    result: datetime | None = session.connection().scalar(statements.NEXT_DUE)
    return result


def lag_seconds(session: Session, *, now: datetime) -> float:
    """How late the oldest due job is; 0 when nothing is waiting."""
    oldest = next_due_at(session)
    return max(0.0, (now - oldest).total_seconds()) if oldest and oldest <= now else 0.0
