"""The jobs table's hot statements: schedule, claim by compare-and-set, peek, finish."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, Integer, Table, bindparam, insert, or_, select, union_all, update

from warroom.db.models import Job
from warroom.db.sql import Keyed, Statement, quoted
from warroom.domain.jobs import JobStatus

JOBS: Table = Job.__table__  # type: ignore[assignment]
PENDING, RUNNING = JobStatus.PENDING.value, JobStatus.RUNNING.value

# A new job's row: the columns given; status and attempts take their column defaults.
SCHEDULE_COLUMNS = ("kind", "incident_id", "payload", "due_at", "created_at")
SCHEDULE = Statement(insert(JOBS).inline(), columns=SCHEDULE_COLUMNS)

# What a claim (or a peek) reads back of each job.
CLAIMED_COLUMNS = tuple(
    JOBS.c[name] for name in ("id", "kind", "incident_id", "payload", "due_at", "attempts")
)


def claimable(now: Any) -> Any:
    """Due pending jobs, and running ones whose worker's lease ran out."""
    return or_(
        (JOBS.c.status == PENDING) & (JOBS.c.due_at <= now),
        (JOBS.c.status == RUNNING) & (JOBS.c.lease_until < now),
    )


def claim_statement(where: tuple[Any, ...] = ()) -> Any:
    """The claim UPDATE, its values bound at execution: claim_now, claim_limit,
    claim_worker, claim_lease (building it costs more than running it, so the plain one
    is built once)."""
    now = bindparam("claim_now", type_=JOBS.c.due_at.type)
    limit = bindparam("claim_limit", type_=Integer())
    due = select(JOBS.c.id).where(JOBS.c.status == PENDING, JOBS.c.due_at <= now, *where)
    stale = select(JOBS.c.id).where(JOBS.c.status == RUNNING, JOBS.c.lease_until < now, *where)
    picked = [
        due.order_by(JOBS.c.due_at).limit(limit).with_for_update(skip_locked=True).cte("due"),
        stale.limit(limit).with_for_update(skip_locked=True).cte("stale"),
    ]
    ids = union_all(*(select(cte.c.id) for cte in picked))
    return (
        update(JOBS)
        .where(JOBS.c.id.in_(ids), claimable(now))
        .values(
            status=RUNNING,
            claimed_by=bindparam("claim_worker", type_=JOBS.c.claimed_by.type),
            lease_until=bindparam("claim_lease", type_=JOBS.c.lease_until.type),
            attempts=JOBS.c.attempts + 1,
        )
        .returning(*CLAIMED_COLUMNS)
    )


CLAIM = Statement(claim_statement(), result=CLAIMED_COLUMNS)
CLAIM_KIND = Statement(  # and claim_kind
    claim_statement((JOBS.c.kind == bindparam("claim_kind", type_=JOBS.c.kind.type),)),
    result=CLAIMED_COLUMNS,
)


@functools.cache
def peek(kinds: tuple[str, ...]) -> Statement:
    """Pending jobs of these kinds due by `now`, oldest first, up to `limit`: one
    statement for each set of kinds, which are few (the drafters')."""
    return Statement(
        select(*CLAIMED_COLUMNS)
        .where(
            JOBS.c.status == PENDING,
            JOBS.c.due_at <= bindparam("now", type_=JOBS.c.due_at.type),
            or_(*(JOBS.c.kind == kind for kind in kinds)),
        )
        .order_by(JOBS.c.due_at)
        .limit(bindparam("limit", type_=Integer())),
        result=CLAIMED_COLUMNS,
    )


# Those of some jobs a worker still holds, marked done at `now`; their ids.
FINISH = Keyed(
    f"UPDATE jobs SET status = {quoted(JobStatus.DONE)}, finished_at = :now,"
    " lease_until = NULL"
    f" WHERE id {{keys}} AND status = {quoted(RUNNING)} AND claimed_by = :worker"
    " RETURNING id",
    params={"now": JOBS.c.finished_at, "worker": JOBS.c.claimed_by},
)

# A sent message's text and structured form removed from its job's payload.
_FORGET_MESSAGES = {
    "sqlite": Keyed(
        "UPDATE jobs SET payload = json_remove(payload, '$.body', '$.data')"
        " WHERE id {keys} RETURNING id"
    ),
    "postgresql": Keyed(
        "UPDATE jobs SET payload = (payload::jsonb - 'body' - 'data')::json"
        " WHERE id {keys} RETURNING id"
    ),
}


def forget_messages(connection: Connection, ids: list[int]) -> None:
    _FORGET_MESSAGES[connection.dialect.name].run(connection, ids)


NEXT_DUE = select(JOBS.c.due_at).where(JOBS.c.status == PENDING).order_by(JOBS.c.due_at).limit(1)
