"""SQLite writers queue on a file lock, not on `busy_timeout`.

SQLite's busy handler retries a locked database after sleeping 1, 2, 5, 10 … ms, so under
frequent short write transactions the waiters mostly sleep while the lock is free. Instead,
each DBAPI connection opens `<db>.writelock` for itself and takes an exclusive `flock` on
it just before `BEGIN IMMEDIATE` (flock locks belong to an open file description, so this
orders threads and processes alike). The kernel wakes the next waiter the moment the
holder lets go, which it does as soon as its transaction ends: commit, rollback, or close.

The file lock only orders writers; SQLite's own lock still guards the data, and
`busy_timeout` still covers writers that do not take the file lock (the sqlite3 shell, a
read transaction that writes) and a thread that opens a second write transaction while
it holds one (it goes on without the file lock rather than wait on itself).

A commit is made durable after the lock is let go, not under it. These connections
commit with `synchronous=NORMAL` (SQLite writes the WAL frames, no sync), and `commit()`
then lets go of the lock and, if the transaction changed rows, syncs the WAL file
(`fdatasync`) and only then returns, so a caller that answers after its commit answers
for data on disk, as with `FULL`; the next writer works meanwhile. A sync covers every
frame written before it, so whatever another writer does from data not yet synced (a
page sent for an alert just committed) it does after its own commit, whose sync covers
that data too. (A transaction of schema changes alone, which no hot path makes, is synced
with the next one that changes rows, or by the next checkpoint; a migration writes its
version row, so it is synced.) Under an alert storm the lock is busy nearly all the time,
and a sync under it, with the wait to be scheduled again after it on a busy machine, is
about half of a commit's time: so the sync is made outside it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SUFFIX = ".writelock"

_held_here = threading.local()  # lock files this thread holds (flock is per process)


def lock_path(database: str, *, uri: bool = False) -> Path | None:
    """The lock file next to a database file; None for an in-memory database."""
    if uri:
        database, _, query = database.removeprefix("file:").partition("?")
        if "mode=memory" in query.split("&"):
            return None
    if database in ("", ":memory:"):
        return None
    return Path(database + SUFFIX)


def open_lock(database: str, *, uri: bool = False) -> WriteLock | None:
    """The write lock of a database file; None for an in-memory database, or when the lock
    file cannot be opened (e.g. a read-only folder: busy_timeout alone orders writers)."""
    path = lock_path(database, uri=uri)
    if path is None:
        return None
    try:
        return WriteLock(path)
    except OSError:
        return None


class WriteLock:
    """One open file description of the lock file: exclusive against every other one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wal = Path(str(path).removesuffix(SUFFIX) + "-wal")  # its database's WAL file
        self._file = path.open("ab", buffering=0)  # closed (and let go) even if leaked
        self._holders: set[Path] | None = None  # the holding thread's set, while held

    def acquire(self) -> None:
        holders = _paths_held()
        if self.path in holders:
            return  # this thread holds it through another connection: never wait on oneself
        fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        holders.add(self.path)
        self._holders = holders

    @contextmanager
    def taken(self) -> Iterator[None]:
        """Hold the lock for the block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    @property
    def held(self) -> bool:
        """Whether this connection took the lock (and has not let go)."""
        return self._holders is not None

    def release(self) -> None:
        if self._holders is not None:
            self._holders.discard(self.path)
            self._holders = None
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        self._file.close()


def _paths_held() -> set[Path]:
    held: set[Path] | None = getattr(_held_here, "paths", None)
    if held is None:
        held = _held_here.paths = set()
    return held


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that lets go of its write lock whenever its transaction ends."""

    def __init__(self, database: str | bytes | os.PathLike[str], *args: Any, **kwargs: Any):
        super().__init__(database, *args, **kwargs)
        self.write_lock = open_lock(os.fsdecode(database), uri=bool(kwargs.get("uri")))
        self.after_write: Callable[[], None] | None = None  # told when a write commits
        self._wal: int | None = None  # the WAL file, opened to sync it
        self._changes = 0  # `total_changes` at the last commit

    @property
    def syncs_after_commit(self) -> bool:
        """Whether `commit()` syncs the WAL itself (a database file with its write lock),
        so the connection may commit with `synchronous=NORMAL`."""
        return self.write_lock is not None

    @contextmanager
    def turn_to_write(self) -> Iterator[None]:
        """Wait for this connection's turn, then run the block (which begins the write
        transaction); if the block fails, the turn passes on at once."""
        if self.write_lock is not None:
            self.write_lock.acquire()
        try:
            yield
        except BaseException:
            self._let_go()
            raise

    def commit(self) -> None:
        wrote = self.write_lock is not None and self.write_lock.held
        try:
            super().commit()
        finally:
            self._let_go()
        if self.total_changes != self._changes:  # rows changed, with the lock or without
            self._changes = self.total_changes
            self._sync_wal()
        if wrote and self.after_write is not None:
            self.after_write()

    def _sync_wal(self) -> None:
        """Put the WAL's committed frames on disk (with the lock already let go)."""
        if self.write_lock is None:
            return  # in memory: nothing to sync
        if self._wal is None:
            try:
                self._wal = os.open(self.write_lock.wal, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:  # cannot be opened: sync every file system instead
                os.sync()
                return
        os.fdatasync(self._wal)  # a failure is raised: the commit may not be on disk

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()
            self._changes = self.total_changes  # undone: nothing to sync

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._wal is not None:
                os.close(self._wal)
                self._wal = None
            if self.write_lock is not None:
                self.write_lock.close()
                self.write_lock = None

    def _let_go(self) -> None:
        if self.write_lock is not None:
            self.write_lock.release()
