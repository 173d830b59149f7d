"""`warroom worker` processes against one database: a worker killed mid-send loses
nothing, and several workers share the deliveries with none sent twice and none lost.

Runs on SQLite and, with WARROOM_TEST_DATABASE_URL, on PostgreSQL. Every process started
here is killed by its PID at the end; every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.receivers import Receiver
from tests.support import WARROOM, poll

from warroom.clock import FrozenClock, SystemClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.db.models import Job
from warroom.scheduler.worker import Worker
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.paging import deliveries

pytestmark = pytest.mark.slow

WAIT = 60.0
SECRET = "worker-test-shared-secret"


@pytest.fixture
def config_file(tmp_path: Path, hook: Receiver) -> Path:
    path = tmp_path / "warroom.toml"
    url = f"webhook+http://127.0.0.1:{hook.port}/erin?secret={SECRET}"
    path.write_text(f'[[people]]\nname = "erin"\ncontacts = ["{url}"]\n')
    return path


@pytest.fixture
def config(config_file: Path) -> WarroomConfig:
    import tomllib

    return parse_config(tomllib.loads(config_file.read_text()))


@pytest.fixture
def workers(tmp_path: Path, db_url: str, config_file: Path) -> Iterator[Callable[[], Any]]:
    started: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [WARROOM, "worker", "--db", db_url, "--config", str(config_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def queue_tests(database: Database, config: WarroomConfig, count: int) -> None:
    ctx = Context(config=config, clock=SystemClock())
    with database.write.begin() as session:
        for _ in range(count):
            deliveries.send_test(session, ctx=ctx, actor="admin", name="erin")


def delivery_rows(database: Database) -> list[Job]:
    with database.read() as session:
        return deliveries.list_deliveries(session, limit=1000)


def test_a_worker_killed_mid_send_loses_nothing(
    database: Database, config: WarroomConfig, hook: Receiver, workers: Any
) -> None:
    hook.gate = threading.Event()  # hold the request: the send is under way
    queue_tests(database, config, 1)
    process = workers()
    assert hook.arrived.wait(WAIT), "the worker did not send within the bound"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    hook.gate.set()
    [job] = delivery_rows(database)
    assert (job.status, job.attempts) == ("running", 1)  # claimed, never recorded

    later = FrozenClock(SystemClock().now() + jobs.LEASE + timedelta(seconds=1))
    Worker(database, Context(config=config, clock=later)).run_due()  # after the lease ran out
    first, second = hook.to("/erin")
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.raw == second.raw  # the same message, so the receiver can drop it
    [job] = delivery_rows(database)
    assert (job.status, job.attempts) == ("done", 2)


def test_several_workers_share_deliveries_with_no_repeat_and_no_loss(
    database: Database, config: WarroomConfig, hook: Receiver, workers: Any
) -> None:
    for _ in range(3):
        workers()
    total = 0
    for _ in range(6):  # batches while the workers run, so they race for each one
        queue_tests(database, config, 25)
        total += 25
        time.sleep(0.2)
    assert poll(lambda: len(hook.to("/erin")) >= total, seconds=WAIT), (
        f"{len(hook.to('/erin'))} of {total} delivered within {WAIT} s"
    )
    time.sleep(1.0)  # a late repeat would show up here
    keys = [r.headers["Idempotency-Key"] for r in hook.to("/erin")]
    assert len(keys) == total and len(set(keys)) == total
    rows = delivery_rows(database)
    assert {r.status for r in rows} == {"done"} and len(rows) == total
    # one claim each: a second try only after a recorded failure (e.g. a reset connection)
    assert [r.id for r in rows if r.attempts != 1 and not r.last_error] == []
