"""The writer process that applies alert batches on SQLite (`processes/ingest_writer`):
what it answers is committed, a replayed signature is refused there too, its death fails
only the batch in flight (503), and the next batch gets a new process.

It runs on a SQLite file of its own even when the suite runs on PostgreSQL: the writer
process exists for SQLite's one write lock.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.services.ingest.test_apply import firing

from warroom.db.engine import Database, open_database
from warroom.db.migrate import upgrade
from warroom.db.models import Alert, Incident
from warroom.errors import Unavailable
from warroom.processes.ingest_writer import WriterProcess
from warroom.services.context import Context
from warroom.services.ingest import apply, integrations, prep, replays
from warroom.services.ingest.integrations import Sender

WAIT_S = 60.0  # a bound for a loaded machine, not a goal


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'writer.db'}")
    upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def sender(sqlite: Database, ctx: Context) -> Sender:
    with sqlite.write() as session, session.begin():
        _, key = integrations.create(
            session, ctx=ctx, actor="admin", name="prom", kind="alertmanager", service="api"
        )
    with sqlite.read() as session:
        found = integrations.sender_for_key(session, key)
    assert found is not None
    return found


class Scheduled:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def writer_for(sqlite: Database, ctx: Context, scheduled: Scheduled | None = None) -> WriterProcess:
    return WriterProcess(str(sqlite.engine.url), ctx, scheduled)


async def commit_all(process: WriterProcess, *submissions: prep.Submission) -> list[Any]:
    """Commit submissions queued together (one batch); each one's outcomes or error."""
    try:
        return await asyncio.wait_for(
            asyncio.gather(*(process.commit(d) for d in submissions), return_exceptions=True),
            WAIT_S,
        )
    finally:
        await process.close()


def test_what_the_writer_process_answers_is_committed_and_wakes_the_worker(
    sqlite: Database, ctx: Context, sender: Sender
) -> None:
    scheduled = Scheduled()
    two = [firing("web-1", severity="P0"), firing("web-2", severity="P0")]
    first = prep.prepare(ctx, sender, two)
    repeat = prep.prepare(ctx, sender, [firing("web-1", severity="P0")])
    created, updated = asyncio.run(commit_all(writer_for(sqlite, ctx, scheduled), first, repeat))
    assert [o.result for o in created] == ["created", "created"]
    assert [o.result for o in updated] == ["updated"]
    incident_id = created[0].incident_id
    assert incident_id is not None and created[1].incident_id == incident_id  # one group
    with sqlite.read() as session:
        counts = dict(session.execute(select(Alert.dedup_key, Alert.count)).all())
        incident = session.get(Incident, incident_id)
    assert counts == {"web-1": 2, "web-2": 1}
    assert incident is not None and incident.declared_at == ctx.clock.now()  # the server's clock
    assert scheduled.count == 1  # P0 escalates at once: the job is due now


def test_a_signed_request_is_taken_once_by_the_writer_process(
    sqlite: Database, ctx: Context, sender: Sender
) -> None:
    signed = prep.prepare(ctx, sender, [firing("web-1")], signature="ab" * 32)
    taken, again = asyncio.run(commit_all(writer_for(sqlite, ctx), signed, signed))
    assert taken[0].result == "created"
    assert isinstance(again, replays.Replayed)
    with sqlite.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_a_dead_writer_process_fails_only_what_it_held_and_the_next_alert_gets_a_new_one(
    sqlite: Database, ctx: Context, sender: Sender
) -> None:
    async def scenario() -> tuple[BaseException | None, list[Any], int, int | None]:
        process = writer_for(sqlite, ctx)
        try:
            await process.commit(prep.prepare(ctx, sender, [firing("web-0")]))
            first = process.pid
            assert first is not None
            os.kill(first, signal.SIGSTOP)  # the alert below is in flight when it dies
            held = asyncio.ensure_future(
                process.commit(prep.prepare(ctx, sender, [firing("web-1")]))
            )
            while not process._in_flight:  # sent to the stopped process
                await asyncio.sleep(0.01)
            os.kill(first, signal.SIGKILL)
            lost = (await asyncio.gather(held, return_exceptions=True))[0]
            again = await process.commit(prep.prepare(ctx, sender, [firing("web-1")]))
            return (lost if isinstance(lost, BaseException) else None), again, first, process.pid
        finally:
            await process.close()

    lost, again, first, second = asyncio.run(asyncio.wait_for(scenario(), WAIT_S))
    assert isinstance(lost, Unavailable) and lost.status == 503
    assert again[0].result == "created"
    assert second not in (None, first)
    with sqlite.read() as session:
        keys = set(session.scalars(select(Alert.dedup_key)))
    assert keys == {"web-0", "web-1"}


def test_closing_commits_what_is_queued_then_ends_the_process(
    sqlite: Database, ctx: Context, sender: Sender
) -> None:
    async def scenario() -> tuple[list[Any], int]:
        process = writer_for(sqlite, ctx)
        await process.commit(prep.prepare(ctx, sender, [firing("web-0")]))
        pid = process.pid
        assert pid is not None
        queued = [
            asyncio.ensure_future(
                process.commit(prep.prepare(ctx, sender, [firing(f"web-{n}")]))
            )
            for n in range(1, 6)
        ]
        await asyncio.sleep(0)  # they are queued, not yet answered
        await process.close()
        return await asyncio.gather(*queued), pid

    results, pid = asyncio.run(asyncio.wait_for(scenario(), WAIT_S))
    assert all(isinstance(r[0], apply.Outcome) for r in results)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: gone for good
    with sqlite.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 6


def test_batches_that_wait_for_a_busy_process_are_each_answered_with_their_own_outcomes(
    sqlite: Database, ctx: Context, sender: Sender
) -> None:
    """Batches sent while the process is busy wait in the socket; it takes them together
    (one transaction), and each batch still gets its own outcomes, in its own order."""

    async def scenario() -> tuple[list[Any], int]:
        process = writer_for(sqlite, ctx)
        try:
            await process.commit(prep.prepare(ctx, sender, [firing("web-0")]))
            pid = process.pid
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)  # busy: what comes now waits for it
            waiting = []
            for alerts in (["web-1", "web-2"], ["web-3"], ["web-2", "web-0", "web-4"]):
                submission = prep.prepare(ctx, sender, [firing(key) for key in alerts])
                waiting.append(asyncio.ensure_future(process.commit(submission)))
                while len(process._in_flight) < len(waiting):  # sent as a batch of its own
                    await asyncio.sleep(0.01)
            os.kill(pid, signal.SIGCONT)
            return await asyncio.gather(*waiting), len(process._in_flight)
        finally:
            await process.close()

    answers, left = asyncio.run(asyncio.wait_for(scenario(), WAIT_S))
    assert [[(o.dedup_key, o.result) for o in outcomes] for outcomes in answers] == [
        [("web-1", "created"), ("web-2", "created")],
        [("web-3", "created")],
        [("web-2", "updated"), ("web-0", "updated"), ("web-4", "created")],
    ]
    assert left == 0
    with sqlite.read() as session:
        counts = dict(session.execute(select(Alert.dedup_key, Alert.count)).all())
    assert counts == {"web-0": 2, "web-1": 1, "web-2": 2, "web-3": 1, "web-4": 1}
