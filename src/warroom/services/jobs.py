"""The jobs table: schedule in the caller's transaction, claim by compare-and-set.

A job is claimed by flipping `pending` to `running` with a lease, only if the row is
still pending (`UPDATE … WHERE id=? AND status='pending'`, rowcount 1). Any number of
workers may race: one wins. A running job whose lease ran out (its worker died) is
claimed again the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from warroom.db.models import Job

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


def schedule_all(session: Session, specs: list[JobSpec], *, now: datetime) -> None:
    """Add jobs in one INSERT (no ORM bookkeeping) to the caller's transaction."""
    if not specs:
        return
    rows = [
        {
            "kind": spec.kind,
            "incident_id": spec.incident_id,
            "payload": spec.payload,
            "due_at": spec.due_at,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for spec in specs
    ]
    session.execute(insert(JOBS), rows)
    if any(spec.due_at <= now + SOON for spec in specs):  # later ones: the regular poll
        session.info[WAKE_FLAG] = True


def claimable(now: datetime) -> Any:
    return or_(
        (Job.status == "pending") & (Job.due_at <= now),
        (Job.status == "running") & (Job.lease_until < now),
    )


def candidates(session: Session, *, now: datetime, limit: int = 20) -> list[int]:
    """Ids of jobs that are due (or whose worker's lease ran out), oldest first."""
    due = select(Job.id).where(Job.status == "pending", Job.due_at <= now)
    stale = select(Job.id).where(Job.status == "running", Job.lease_until < now)
    ids = list(session.scalars(due.order_by(Job.due_at).limit(limit)))
    return ids + list(session.scalars(stale.limit(limit)))


def claim(session: Session, job_id: int, *, worker: str, now: datetime) -> Job | None:
    """Take the job if nobody else has; None when another worker got there first."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, claimable(now))
        .values(
            status="running",
            claimed_by=worker,
            lease_until=now + LEASE,
            attempts=Job.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.get(Job, job_id, populate_existing=True)


def finish(session: Session, job: Job, *, now: datetime) -> None:
    job.status = "done"
    job.finished_at = now
    job.lease_until = None


def fail(
    session: Session,
    job: Job,
    *,
    now: datetime,
    error: str,
    retry_in: timedelta,
    give_up: bool = False,
) -> None:
    """Record the failure on the row and try again later (or give up: told to, or after
    10 tries)."""
    job.last_error = error[:2000]
    job.lease_until = None
    if give_up or job.attempts >= 10:
        job.status = "failed"
        job.finished_at = now
    else:
        job.status = "pending"
        job.due_at = now + retry_in


def next_due_at(session: Session) -> datetime | None:
    result: datetime | None = session.scalar(
        select(func.min(Job.due_at)).where(Job.status == "pending")
    )
    return result


def lag_seconds(session: Session, *, now: datetime) -> float:
    """How late the oldest due job is; 0 when nothing is waiting."""
    oldest = session.scalar(
        select(func.min(Job.due_at)).where(Job.status == "pending", Job.due_at <= now)
    )
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
