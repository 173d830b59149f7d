"""SQLite's WAL is checkpointed by a thread of its own, never inside a writer's commit.

By default SQLite copies the WAL back into the database file (a checkpoint) inside the
commit that grows the WAL past 1,000 pages, so that commit, and the file lock its writer
holds until the commit returns (`writelock`), lasts as long as the copy: under an alert
storm about a third of the ingest writer's commit time. Here every connection has
`wal_autocheckpoint=0`; after a write commits, the connection tells its database's
`Checkpointer`, whose thread, a moment later, runs a PASSIVE checkpoint on a connection
of its own, beside the writers (a PASSIVE checkpoint takes no write lock).

A WAL starts again from its beginning only when a writer finds it wholly copied back,
which under a steady stream of commits may never happen; so when it holds more than
`RESTART_FRAMES` the thread runs a RESTART checkpoint, which waits for the writer of the
moment and holds the next one back while it copies the little the passive ones left.

The thread ends after `IDLE_S` without writes (or when the engine is disposed) and is
started again by the next write. A process that exits without it (a CLI command) leaves
its frames for the next one; SQLite checkpoints when the last connection closes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import nullcontext

from warroom.db.writelock import WriteLock, open_lock

log = logging.getLogger("warroom.db")

PAUSE_S = 0.2  # after a write, wait this long so one checkpoint covers a burst of commits
IDLE_S = 30.0  # the thread ends after this long without writes
RESTART_FRAMES = 16_384  # about 64 MB of 4 KiB pages: then make the WAL start over
BUSY_TIMEOUT_MS = 15_000


class Checkpointer:
    """The checkpoints of one SQLite database file in this process."""

    def __init__(self, path: str, *, uri: bool = False) -> None:
        self.path, self.uri = path, uri
        self._due = threading.Event()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def wrote(self) -> None:
        """A write transaction committed: checkpoint soon."""
        self._due.set()
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._guard:
                if self._thread is None or not self._thread.is_alive():
                    self._stopped.clear()
                    self._thread = threading.Thread(
                        target=self._run, name="warroom-checkpoint", daemon=True
                    )
                    self._thread.start()

    def stop(self) -> None:
        """End the thread (the engine is disposed); a later write starts it again."""
        with self._guard:
            thread = self._thread
            self._stopped.set()
        self._due.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _run(self) -> None:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, uri=self.uri
        )
        turn = open_lock(self.path, uri=self.uri)
        try:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            while self._next():
                self._checkpoint(connection, turn)
        finally:
            connection.close()
            if turn is not None:
                turn.close()

    def _next(self) -> bool:
        """Wait for a write; False when the thread should end."""
        if not self._due.wait(IDLE_S):
            with self._guard:
                if not self._due.is_set():  # no write slipped in: end here
                    self._thread = None
                    return False
        if self._stopped.wait(PAUSE_S):
            return False
        self._due.clear()
        return True

    def _checkpoint(self, connection: sqlite3.Connection, turn: WriteLock | None) -> None:
        try:
            _, frames, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames >= RESTART_FRAMES:
                # A RESTART waits for SQLite's write lock with busy_timeout's sleeps, which
                # writers taking turns back to back would starve: it queues for the turn.
                with turn.taken() if turn is not None else nullcontext():
                    connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        except sqlite3.Error as exc:  # e.g. busy past the timeout: the next write retries
            log.warning("checkpointing %s failed: %s", self.path, exc)
