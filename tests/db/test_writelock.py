"""SQLite writers take turns on the file lock next to the database, across threads and
processes, so none of them meets 'database is locked' even with no busy_timeout at all.

The writers here set busy_timeout to 0: a writer that reached BEGIN IMMEDIATE while another
held SQLite's write lock would fail at once, so no error means the file lock ordered them.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from warroom.db.engine import Database, open_database
from warroom.db.writelock import SUFFIX

ROUNDS = 200


def impatient(url: str) -> Database:
    """A database whose writers fail at once on SQLite's lock instead of waiting."""
    database = open_database(url)

    @event.listens_for(database.engine, "connect")
    def _no_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    return database


def counter_database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'counter.db'}"
    database = open_database(url)
    with database.write.begin() as session:
        session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        session.execute(text("INSERT INTO counter VALUES (1, 0)"))
    database.dispose()
    return url


def count_up(url: str, rounds: int) -> None:
    """Read the counter and write it back one higher, once a write transaction."""
    database = impatient(url)
    try:
        for _ in range(rounds):
            with database.write.begin() as session:
                value = session.execute(text("SELECT value FROM counter")).scalar_one()
                session.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
    finally:
        database.dispose()


def counter(url: str) -> int:
    database = open_database(url)
    try:
        with database.read() as session:
            return int(session.execute(text("SELECT value FROM counter")).scalar_one())
    finally:
        database.dispose()


COUNT_UP = """
import sys
from tests.db.test_writelock import count_up
count_up(sys.argv[1], int(sys.argv[2]))
"""


def test_two_processes_writers_take_turns_without_a_lost_commit_or_a_locked_error(
    tmp_path: Path,
) -> None:
    url = counter_database(tmp_path)
    root = Path(__file__).resolve().parents[2]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", COUNT_UP, url, str(ROUNDS)],
            cwd=root,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    assert counter(url) == 2 * ROUNDS


def test_threads_writers_take_turns_without_a_lost_commit_or_a_locked_error(
    tmp_path: Path,
) -> None:
    url = counter_database(tmp_path)
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            count_up(url, ROUNDS)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert counter(url) == 3 * ROUNDS


def in_another_thread(work: Callable[[], None]) -> bool:
    """Run `work` in a thread of its own; False if it is still waiting after a minute."""
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=60)
    return not thread.is_alive()


def test_a_write_that_fails_passes_the_turn_on(tmp_path: Path) -> None:
    url = counter_database(tmp_path)
    database = impatient(url)
    try:
        with pytest.raises(IntegrityError), database.write.begin() as session:
            session.execute(text("INSERT INTO counter VALUES (1, 5)"))
        assert in_another_thread(lambda: count_up(url, 1))
    finally:
        database.dispose()
    assert counter(url) == 1


def test_a_connection_that_is_thrown_away_mid_write_passes_the_turn_on(tmp_path: Path) -> None:
    url = counter_database(tmp_path)
    database = impatient(url)
    try:
        with database.write() as session:
            session.execute(text("UPDATE counter SET value = 5"))
            thrown_away = session.connection().connection.dbapi_connection  # kept alive
            session.connection().invalidate()
        assert in_another_thread(lambda: count_up(url, 1))
        assert thrown_away is not None
    finally:
        database.dispose()
    assert counter(url) == 1


def test_a_thread_that_opens_a_second_write_is_refused_not_stuck(tmp_path: Path) -> None:
    url = counter_database(tmp_path)
    database = impatient(url)
    try:
        with database.write.begin() as outer:
            outer.execute(text("UPDATE counter SET value = 7"))
            refused = pytest.raises(OperationalError, match="database is locked")
            with refused, database.write.begin() as inner:
                inner.execute(text("SELECT 1"))
        count_up(url, 1)
    finally:
        database.dispose()
    assert counter(url) == 8


def test_the_lock_file_sits_next_to_the_database_and_memory_needs_none(tmp_path: Path) -> None:
    url = counter_database(tmp_path)
    assert (tmp_path / f"counter.db{SUFFIX}").exists()
    memory = open_database("sqlite://")
    try:
        with memory.write.begin() as session:
            assert session.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        memory.dispose()
    assert counter(url) == 0
