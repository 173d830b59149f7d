"""Handoff notices: the incoming on-call person hears, shortly before the handoff, which
incidents are open and what to check; planned once per handoff, whatever restarts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.receivers import Receiver
from tests.support import run

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.db.models import Job
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.paging import handoffs


def settings(port: int, turn: str = "1d") -> dict[str, Any]:
    return {
        "people": [
            {"name": "alice", "contacts": [f"json://127.0.0.1:{port}/alice"]},
            {"name": "bob", "timezone": "Europe/Oslo",
             "contacts": [f"json://127.0.0.1:{port}/bob"]},
        ],
        "schedules": [{"name": "primary", "layers": [
            {"members": ["alice", "bob"], "start": "2026-11-02T09:00:00Z", "turn": turn}]}],
    }  # fmt: skip


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(settings(hook.port))


def planned(database: Database) -> list[tuple[str, str, str]]:
    with database.read() as session:
        rows = session.scalars(select(Job).where(Job.kind == handoffs.HANDOFF).order_by(Job.id))
        return [(j.status, j.due_at.isoformat(), j.payload["to"]) for j in rows]


def test_the_incoming_person_hears_of_open_incidents_half_an_hour_ahead(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    run(database, lambda s: lifecycle.declare(
        s, ctx=ctx, actor="alice", title="Login errors", severity="P2"))  # fmt: skip
    worker.plan()
    assert planned(database) == [("pending", "2026-11-03T08:30:00+00:00", "bob")]
    clock.advance(timedelta(hours=23, minutes=29, seconds=59))
    worker.run_due()
    assert hook.to("/bob") == []
    clock.advance(timedelta(seconds=1))
    worker.run_due()
    [notice] = hook.to("/bob")
    assert notice.json["title"] == "You go on call for primary at 10:00 CET, Tue 03 Nov"
    text = notice.json["message"]
    assert "taking over from alice" in text
    assert "[P2] INC-1 Login errors (triggered)" in text
    assert "warroom notify test bob" in text
    assert planned(database) == [
        ("done", "2026-11-03T08:30:00+00:00", "bob"),
        ("pending", "2026-11-04T08:30:00+00:00", "alice"),
    ]


def test_planning_again_or_after_a_restart_adds_nothing(
    database: Database, ctx: Context, worker: Worker
) -> None:
    worker.plan()
    worker.plan()
    Worker(database, ctx).plan()  # another worker, or this one restarted
    assert len(planned(database)) == 1


def test_a_notice_whose_handoff_moved_sends_nothing(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    worker.plan()
    edited = Context(config=parse_config(settings(hook.port, turn="2d")), clock=clock)
    restarted = Worker(database, edited)
    restarted.plan()
    assert [p[1] for p in planned(database)] == [
        "2026-11-03T08:30:00+00:00", "2026-11-04T08:30:00+00:00"]  # fmt: skip
    clock.advance(timedelta(days=1))
    restarted.run_due()
    assert hook.got == []  # the old plan's handoff is no longer a handoff
    clock.advance(timedelta(days=1))
    restarted.run_due()
    assert len(hook.to("/bob")) == 1


def test_a_stored_override_takes_the_handoff_over(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    from warroom.services.directory import overrides

    start = clock.now() + timedelta(hours=3)
    run(database, lambda s: overrides.add(
        s, ctx=ctx, actor="carol", schedule="primary", person="bob",
        start=start, end=start + timedelta(hours=2)))  # fmt: skip
    worker.plan()
    assert planned(database) == [("pending", "2026-11-02T11:30:00+00:00", "bob")]
    clock.advance(timedelta(hours=2, minutes=30))
    worker.run_due()
    [notice] = hook.to("/bob")
    assert "taking over from alice" in notice.json["message"]
