"""The writer process that applies alert batches on SQLite (`services/ingest_process`):
what it answers is committed, a replayed signature is refused there too, its death fails
only the batch in flight (503), and the next batch gets a new process.

It runs on a SQLite file of its own even when the suite runs on PostgreSQL: the writer
process exists for SQLite's one write lock.
"""

from __future__ import annotations

import os
import queue
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.services.test_ingest import firing

from warroom.db.engine import Database, open_database
from warroom.db.migrate import upgrade
from warroom.db.models import Alert, Incident
from warroom.errors import Unavailable
from warroom.services import ingest, ingest_prep, integrations, replays
from warroom.services.context import Context
from warroom.services.ingest_batches import Result
from warroom.services.ingest_process import WriterProcess
from warroom.services.integrations import Sender

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
            session, ctx=ctx, name="prom", kind="alertmanager", service="api"
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


@pytest.fixture
def writer(sqlite: Database, ctx: Context) -> Iterator[tuple[WriterProcess, Scheduled]]:
    scheduled = Scheduled()
    process = WriterProcess(str(sqlite.engine.url), ctx, scheduled)
    yield process, scheduled
    process.close()


def submit(process: WriterProcess, *deliveries: ingest_prep.Delivery) -> list[Result]:
    answers: queue.Queue[list[Result]] = queue.Queue()
    process.submit(list(deliveries), answers.put)
    return answers.get(timeout=WAIT_S)


def test_what_the_writer_process_answers_is_committed_and_wakes_the_worker(
    writer: tuple[WriterProcess, Scheduled], sqlite: Database, ctx: Context, sender: Sender
) -> None:
    process, scheduled = writer
    two = [firing("web-1", severity="P0"), firing("web-2", severity="P0")]
    first = ingest_prep.prepare(ctx, sender, two)
    repeat = ingest_prep.prepare(ctx, sender, [firing("web-1", severity="P0")])
    [created, updated] = submit(process, first, repeat)
    assert isinstance(created, list) and isinstance(updated, list)
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
    writer: tuple[WriterProcess, Scheduled], sqlite: Database, ctx: Context, sender: Sender
) -> None:
    process, _ = writer
    signed = ingest_prep.prepare(ctx, sender, [firing("web-1")], signature="ab" * 32)
    [taken] = submit(process, signed)
    [again] = submit(process, signed)
    assert isinstance(taken, list) and taken[0].result == "created"
    assert isinstance(again, replays.Replayed)
    with sqlite.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_a_dead_writer_process_fails_only_its_batch_and_the_next_gets_a_new_one(
    writer: tuple[WriterProcess, Scheduled], sqlite: Database, ctx: Context, sender: Sender
) -> None:
    process, _ = writer
    process.start()
    first_pid = process.pid
    assert first_pid is not None
    os.kill(first_pid, signal.SIGSTOP)  # the batch below is in flight when it dies
    answers: queue.Queue[list[Result]] = queue.Queue()
    process.submit([ingest_prep.prepare(ctx, sender, [firing("web-1")])], answers.put)
    os.kill(first_pid, signal.SIGKILL)
    [lost] = answers.get(timeout=WAIT_S)
    assert isinstance(lost, Unavailable) and lost.status == 503
    [again] = submit(process, ingest_prep.prepare(ctx, sender, [firing("web-1")]))
    assert isinstance(again, list) and again[0].result == "created"
    assert process.pid not in (None, first_pid)
    with sqlite.read() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_closing_answers_the_batches_in_flight_then_ends_the_process(
    writer: tuple[WriterProcess, Scheduled], ctx: Context, sender: Sender
) -> None:
    process, _ = writer
    answers: queue.Queue[list[Result]] = queue.Queue()
    for n in range(2):
        process.submit([ingest_prep.prepare(ctx, sender, [firing(f"web-{n}")])], answers.put)
    pid = process.pid
    assert pid is not None
    process.close()
    results = [answers.get(timeout=WAIT_S) for _ in range(2)]
    assert all(isinstance(r, list) and isinstance(r[0], ingest.Outcome) for [r] in results)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: gone for good
