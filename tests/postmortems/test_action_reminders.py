"""An overdue action item's owner is reminded when it falls due and again every
`action_reminder_every` (a day by default) until it is done: one reminder a period, however
many jobs reach it and however late the worker wakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.receivers import Receiver, receiver

from warroom.clock import FrozenClock
from warroom.config import ConfigError, parse_config
from warroom.db.engine import Database
from warroom.db.models import Event
from warroom.domain.postmortems import ActionKind, ActionStatus
from warroom.scheduler.worker import Worker
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.postmortems import actions

SECRET = "action-reminder-shared-secret"


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _context(hook: Receiver, clock: FrozenClock, **settings: Any) -> Context:
    erin = {"name": "erin", "contacts": [f"webhook+{hook.url('/erin')}?secret={SECRET}"]}
    config = parse_config({"people": [erin], "bundle_window": "0s", **settings})
    return Context(config=config, clock=clock)


def _item_due_in_a_day(database: Database, ctx: Context) -> tuple[int, int]:
    with database.write.begin() as session:
        incident = lifecycle.declare(
            session, ctx=ctx, actor="alice", title="Queue stuck", severity="P3"
        )
        item = actions.create(
            session,
            ctx=ctx,
            actor="alice",
            incident_id=incident.id,
            title="Alert on queue depth",
            owner="erin",
            due_at=ctx.clock.now() + timedelta(days=1),
            kind=ActionKind.DETECT,
        )
    return incident.id, item.id


def _notes(database: Database, incident_id: int) -> list[str]:
    with database.read() as session:
        texts = session.scalars(
            select(Event.text).where(Event.incident_id == incident_id).order_by(Event.id)
        )
        return [t for t in texts if t.startswith("Action item #") and "reminded" in t]


def test_the_owner_is_reminded_each_day_until_the_item_is_done(
    database: Database, clock: FrozenClock, hook: Receiver
) -> None:
    ctx = _context(hook, clock)
    worker = Worker(database, ctx)
    incident_id, item_id = _item_due_in_a_day(database, ctx)
    worker.run_due()
    assert hook.to("/erin") == []  # not due yet
    clock.advance(timedelta(days=1))
    worker.run_due()
    assert len(hook.to("/erin")) == 1
    clock.advance(timedelta(hours=12))
    worker.run_due()
    assert len(hook.to("/erin")) == 1  # the next is a day after the first
    clock.advance(timedelta(hours=12))
    worker.run_due()
    assert len(hook.to("/erin")) == 2
    assert _notes(database, incident_id) == [
        f"Action item #{item_id} is due (erin reminded): Alert on queue depth",
        f"Action item #{item_id} is still open 1d after it was due (erin reminded): "
        "Alert on queue depth",
    ]
    with database.write.begin() as session:
        actions.set_status(
            session, ctx=ctx, actor="erin", item_id=item_id, status=ActionStatus.DONE
        )
    clock.advance(timedelta(days=3))
    worker.run_due()
    assert len(hook.to("/erin")) == 2  # done: no more


def test_a_period_is_reminded_once_however_many_jobs_or_however_late(
    database: Database, clock: FrozenClock, hook: Receiver
) -> None:
    ctx = _context(hook, clock, action_reminder_every="6h")
    worker = Worker(database, ctx)
    incident_id, item_id = _item_due_in_a_day(database, ctx)
    with database.write.begin() as session:  # a second job for the same item and time
        jobs.schedule(
            session,
            kind=actions.ACTION_DUE,
            due_at=clock.now() + timedelta(days=1),
            now=clock.now(),
            incident_id=incident_id,
            payload={"item": item_id},
        )
    clock.advance(timedelta(days=1))
    worker.run_due()
    assert len(hook.to("/erin")) == 1
    clock.advance(timedelta(days=1))  # the worker wakes four periods later: one reminder
    worker.run_due()
    assert len(hook.to("/erin")) == 2
    clock.advance(timedelta(hours=6))  # and the chain goes on, one job, every 6 hours
    worker.run_due()
    assert len(hook.to("/erin")) == 3
    assert "still open 1d6h after it was due" in _notes(database, incident_id)[-1]


def test_a_reopened_item_is_reminded_again(
    database: Database, clock: FrozenClock, hook: Receiver
) -> None:
    ctx = _context(hook, clock)
    worker = Worker(database, ctx)
    _, item_id = _item_due_in_a_day(database, ctx)
    with database.write.begin() as session:
        actions.set_status(
            session, ctx=ctx, actor="erin", item_id=item_id, status=ActionStatus.DROPPED
        )
    clock.advance(timedelta(days=2))
    worker.run_due()
    assert hook.to("/erin") == []
    with database.write.begin() as session:
        actions.set_status(
            session, ctx=ctx, actor="alice", item_id=item_id, status=ActionStatus.OPEN
        )
    worker.run_due()
    assert len(hook.to("/erin")) == 1


def test_the_interval_is_an_hour_at_least() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"action_reminder_every": "10m"})
    assert "action_reminder_every" in str(refused.value.problems)
