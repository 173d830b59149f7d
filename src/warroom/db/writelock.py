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
        if wrote and self.after_write is not None:
            self.after_write()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.write_lock is not None:
                self.write_lock.close()
                self.write_lock = None

    def _let_go(self) -> None:
        if self.write_lock is not None:
            self.write_lock.release()
