"""Retention: finished jobs (deliveries among them) and acknowledge links are deleted
`purge_after` after they finished or expired, by a daily purge the worker runs in small
steps; nothing still to do, and nothing recent, is touched."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.db.rows import add_incident

from warroom.clock import FrozenClock
from warroom.config import ConfigError, parse_config
from warroom.db.engine import Database
from warroom.db.models import AckToken, AckTokenLegacy, Job
from warroom.scheduler.worker import Worker
from warroom.services import retention
from warroom.services.context import Context

DAY = timedelta(days=1)


def _job(
    session: Session,
    *,
    status: str,
    made: datetime,
    finished: datetime | None,
    due: datetime | None = None,
) -> int:
    job = Job(
        kind="deliver",
        incident_id=None,
        payload={"person": "alice", "contact": "json://127.0.0.1:9/", "subject": "Payments fail"},
        due_at=due or made,
        status=status,
        attempts=1,
        created_at=made,
        finished_at=finished,
    )
    session.add(job)
    session.flush()
    return job.id


def _link(session: Session, incident_id: int, *, made: datetime) -> int:
    link = AckToken(
        token_hash=f"{made.timestamp()}",
        incident_id=incident_id,
        person="alice",
        created_at=made,
        expires_at=made + DAY,
    )
    session.add(link)
    session.flush()
    return link.id


def _incident(session: Session, *, at: datetime) -> int:
    return add_incident(
        session,
        at=at,
        title="Payments fail",
        status="resolved",
        channel=f"payments-{at.timestamp()}",
    )


def _ids(database: Database, model: type[Job] | type[AckToken]) -> set[int]:
    with database.read() as session:
        return set(session.scalars(select(model.id)))


def _purges(database: Database) -> list[tuple[str, datetime]]:
    with database.read() as session:
        rows = session.execute(select(Job.status, Job.due_at).where(Job.kind == retention.PURGE))
        return [(status, due) for status, due in rows if status != "done"]


def test_only_what_finished_or_expired_before_purge_after_is_deleted(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    now = clock.now()
    long_ago = now - timedelta(days=100)  # purge_after is 90 days by default
    with database.write.begin() as session:
        incident_id = _incident(session, at=long_ago)
        sent = _job(session, status="done", made=long_ago, finished=long_ago)
        refused = _job(session, status="failed", made=long_ago, finished=long_ago)
        waiting = _job(session, status="pending", made=long_ago, finished=None, due=now + 365 * DAY)
        sent_lately = _job(session, status="done", made=long_ago, finished=now - 10 * DAY)
        old_link = _link(session, incident_id, made=long_ago)
        session.add(AckTokenLegacy(token_hash="a" * 64, link_id=old_link))
        new_link = _link(session, incident_id, made=now - 10 * DAY)
        today = _job(session, status="done", made=now, finished=now)
    jobs_before = _ids(database, Job)

    worker.plan()
    worker.run_due()

    jobs_after = _ids(database, Job)
    assert sent not in jobs_after and refused not in jobs_after
    assert jobs_before - jobs_after == {sent, refused}
    assert {waiting, sent_lately, today} <= jobs_after
    assert _ids(database, AckToken) == {new_link}
    with database.read() as session:
        assert session.scalars(select(AckTokenLegacy)).all() == []
    assert _purges(database) == [("pending", now + DAY)]  # tomorrow's, once

    clock.advance(DAY)  # a day on, the purge runs again and plans the next one
    worker.run_due()
    assert _purges(database) == [("pending", now + 2 * DAY)]


def test_a_long_backlog_is_purged_in_small_steps(
    database: Database,
    ctx: Context,
    clock: FrozenClock,
    worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retention, "WINDOW", 3)
    long_ago = clock.now() - timedelta(days=400)
    with database.write.begin() as session:
        incident_id = _incident(session, at=long_ago)
        for n in range(10):
            _job(session, status="done", made=long_ago + n * DAY, finished=long_ago + n * DAY)
            _link(session, incident_id, made=long_ago + n * DAY)

    worker.plan()
    worker.run_due()

    assert _ids(database, AckToken) == set()
    with database.read() as session:
        kinds = list(session.scalars(select(Job.kind)))
        steps = session.scalars(select(Job.id).where(Job.kind == retention.PURGE)).all()
    assert "deliver" not in kinds
    assert len(steps) >= 8  # 20 rows, 3 looked at a run: many short runs, not one long one
    assert _purges(database) == [("pending", clock.now() + DAY)]


def test_two_purges_planned_at_once_leave_one_for_the_next_day(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    now = clock.now()
    with database.write.begin() as session:  # two workers planned one each
        assert retention.plan(session, ctx=ctx, now=now)
        session.add(
            Job(kind=retention.PURGE, payload={"table": "jobs", "after": 0}, due_at=now,
                status="pending", attempts=0, created_at=now)
        )  # fmt: skip
    with database.write.begin() as session:
        assert not retention.plan(session, ctx=ctx, now=now)  # one is waiting already
    worker.run_due()
    assert _purges(database) == [("pending", now + DAY)]


def test_purge_after_under_a_day_is_refused_with_the_key_named() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"purge_after": "2h"})
    assert refused.value.problems == [
        "purge_after: must be at least 1d, so the deliveries of a fresh incident stay"
    ]
    assert parse_config({"purge_after": "30d"}).purge_after == timedelta(days=30)
