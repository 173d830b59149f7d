"""SQLite's WAL is copied back into the database file by the checkpointer thread, not by
the commits: a writer's commit never pays for a checkpoint, and the data still reaches
the database file soon after, however many commits came."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from warroom.db import checkpoints
from warroom.db.engine import Database, open_database

BLOB = 64 * 1024
COMMITS = 100  # 6.4 MB: past the 4 MB at which SQLite's own commits would checkpoint


def write_blobs(database: Database, commits: int) -> None:
    for _ in range(commits):
        with database.write.begin() as session:
            session.execute(text("INSERT INTO blobs VALUES (randomblob(:n))"), {"n": BLOB})


def fresh(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "wal.sqlite"
    database = open_database(f"sqlite:///{path}")
    with database.write.begin() as session:
        session.execute(text("CREATE TABLE blobs (b BLOB)"))
    return database, path


def test_commits_leave_the_checkpoint_to_the_checkpointer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "PAUSE_S", 3600.0)  # the thread holds back
    database, path = fresh(tmp_path)
    try:
        write_blobs(database, COMMITS)
        # everything is still in the WAL: no commit copied it into the database file
        assert path.stat().st_size < BLOB
        assert Path(f"{path}-wal").stat().st_size > COMMITS * BLOB
    finally:
        database.dispose()  # ends the waiting thread at once


def test_the_checkpointer_copies_the_writes_into_the_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "PAUSE_S", 0.01)
    database, path = fresh(tmp_path)
    try:
        write_blobs(database, COMMITS)
        deadline = time.monotonic() + 20
        while path.stat().st_size < COMMITS * BLOB and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= COMMITS * BLOB
    finally:
        database.dispose()


def wal_salt(path: Path) -> bytes:
    """The WAL header's salts: SQLite draws new ones each time the WAL starts over."""
    with Path(f"{path}-wal").open("rb") as wal:
        return wal.read(24)[16:24]


def test_a_wal_past_the_restart_mark_starts_over_under_steady_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "PAUSE_S", 0.01)
    monkeypatch.setattr(checkpoints, "RESTART_FRAMES", 200)  # 800 KB
    database, path = fresh(tmp_path)
    try:
        # commits back to back: the WAL is seldom found wholly copied back between two
        # of them, so it is the restart that makes it start over and not grow for good
        salts = set()
        for _ in range(4 * COMMITS):
            write_blobs(database, 1)
            salts.add(wal_salt(path))
        assert len(salts) > 1
        assert Path(f"{path}-wal").stat().st_size < 4 * COMMITS * BLOB / 2
    finally:
        database.dispose()
