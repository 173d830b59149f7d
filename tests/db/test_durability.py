"""A SQLite commit is on disk when `commit()` returns, synced after the write lock is let
go (db/writelock): the next writer never waits for this one's sync.

A power cut cannot be staged here, so the sync is watched where it is made: every
`fdatasync` of the WAL is recorded, with whether the write lock was free at that moment.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from warroom.db.engine import Database, open_database
from warroom.db.writelock import SUFFIX


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = open_database(f"sqlite:///{tmp_path / 'warroom.db'}")
    with opened.write.begin() as session:
        session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield opened
    opened.dispose()


@pytest.fixture
def syncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each fdatasync from now on: the file synced, and whether the write lock was free."""
    made: list[tuple[str, bool]] = []
    real = os.fdatasync
    lock = tmp_path / f"warroom.db{SUFFIX}"

    def watched(fd: int) -> None:
        with lock.open("ab") as other:  # an open file description of its own
            try:
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                free = True
                fcntl.flock(other.fileno(), fcntl.LOCK_UN)
            except BlockingIOError:
                free = False
        made.append((str(Path(f"/proc/self/fd/{fd}").readlink()), free))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", watched)
    return made


def test_a_write_is_synced_before_commit_returns_with_the_lock_already_free(
    database: Database, syncs: list[tuple[str, bool]], tmp_path: Path
) -> None:
    wal = str(tmp_path / "warroom.db-wal")
    with database.write.begin() as session:
        session.execute(text("INSERT INTO notes (body) VALUES ('checkout is down')"))
    assert syncs == [(wal, True)]
    with database.write.begin() as session:
        session.execute(text("UPDATE notes SET body = 'checkout is back'"))
    assert syncs == [(wal, True), (wal, True)]


def test_a_write_without_the_write_lock_is_synced_too(
    database: Database, syncs: list[tuple[str, bool]], tmp_path: Path
) -> None:
    with database.read() as session:  # a plain BEGIN: SQLite's own lock, not the file's
        session.execute(text("INSERT INTO notes (body) VALUES ('from a read session')"))
        session.commit()
    assert syncs == [(str(tmp_path / "warroom.db-wal"), True)]


def test_reads_and_undone_writes_sync_nothing(
    database: Database, syncs: list[tuple[str, bool]]
) -> None:
    with database.read() as session:
        session.execute(text("SELECT count(*) FROM notes")).scalar_one()
        session.commit()
    with database.write() as session:
        session.execute(text("INSERT INTO notes (body) VALUES ('never mind')"))
        session.rollback()
    with database.write.begin() as session:
        session.execute(text("SELECT count(*) FROM notes")).scalar_one()
    assert syncs == []


def test_sqlite_leaves_the_commits_sync_to_warroom(database: Database) -> None:
    with database.read() as session:
        level = session.execute(text("PRAGMA synchronous")).scalar_one()
    assert level == 1  # NORMAL: SQLite does not sync inside the commit, under the lock
