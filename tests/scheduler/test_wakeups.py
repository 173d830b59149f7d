"""A worker is woken by jobs another process schedules, on SQLite too (it has no NOTIFY), so
a page queued by `warroom serve --no-worker` goes out without waiting for `warroom
worker`'s next poll, up to a second away."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from warroom.clock import FrozenClock
from warroom.db.engine import Database, open_database
from warroom.scheduler.wakeups import Watcher, watch_others
from warroom.services import jobs


@pytest.fixture
def elsewhere(db_url: str) -> Iterator[Database]:
    """The same database through connections of its own, as another process has."""
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL wakes other processes with NOTIFY (tests/processes)")
    other = open_database(db_url)
    yield other
    other.dispose()


def file_of(db: Database) -> str:
    path = db.engine.url.database
    assert path
    return path


def schedule(db: Database, clock: FrozenClock, *, due_in: timedelta) -> None:
    with db.write.begin() as session:
        spec = jobs.JobSpec(kind="update_overdue", due_at=clock.now() + due_in)
        jobs.schedule_all(session, [spec], now=clock.now())


def test_a_job_due_now_from_another_connection_wakes_the_worker(
    database: Database, elsewhere: Database, clock: FrozenClock
) -> None:
    wake = threading.Event()
    watcher = Watcher(database, file_of(database), wake, clock, horizon=timedelta(seconds=1))
    watcher.stop()  # looked at by hand below, not by its thread
    watcher.thread.join()
    assert watcher.poll() is False  # the first look only notes where the database is
    schedule(elsewhere, clock, due_in=timedelta(0))
    assert watcher.poll() is True
    assert wake.is_set()
    wake.clear()
    assert watcher.poll() is False  # nothing new committed since
    assert not wake.is_set()


def test_a_job_due_later_than_the_next_poll_does_not_wake_it(
    database: Database, elsewhere: Database, clock: FrozenClock
) -> None:
    wake = threading.Event()
    watcher = Watcher(database, file_of(database), wake, clock, horizon=timedelta(seconds=1))
    watcher.stop()
    watcher.thread.join()
    watcher.poll()
    schedule(elsewhere, clock, due_in=timedelta(minutes=30))
    assert watcher.poll() is False
    assert not wake.is_set()


def test_the_watching_thread_wakes_the_worker_by_itself(
    database: Database, elsewhere: Database, clock: FrozenClock
) -> None:
    wake = threading.Event()
    waker = watch_others(database, wake, clock, poll_seconds=1.0, alone=True)
    assert isinstance(waker, Watcher)
    try:
        schedule(elsewhere, clock, due_in=timedelta(0))
        assert wake.wait(timeout=10)
    finally:
        waker.stop()
        waker.thread.join()


def test_an_in_memory_database_has_nobody_else_to_hear() -> None:
    memory = open_database("sqlite://")
    try:
        wake, clock = threading.Event(), FrozenClock()
        assert watch_others(memory, wake, clock, poll_seconds=1.0, alone=True) is None
    finally:
        memory.dispose()


def test_a_worker_beside_a_server_is_woken_by_the_server_alone(
    database: Database, elsewhere: Database, clock: FrozenClock
) -> None:
    assert watch_others(database, threading.Event(), clock, poll_seconds=1.0, alone=False) is None
