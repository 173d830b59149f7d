"""Being woken by a job another process scheduled.

In one process a commit that schedules a job sets the worker's event directly
(`worker.install_wakeup`). Across processes:

- PostgreSQL: that commit sends NOTIFY; `Listener` LISTENs on its own connection.
- SQLite has no NOTIFY. A worker alone in its process (`warroom worker`) runs a `Watcher`:
  it asks `PRAGMA data_version` every WATCH_SECONDS on a connection of its own (the
  number changes whenever another connection commits, and asking costs microseconds);
  after a change it reads when the next job is due, and wakes the worker if that is
  before the worker's next poll. So a page scheduled by `warroom serve --no-worker`
  does not wait up to a second for `warroom worker` to poll.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import timedelta
from typing import Protocol

from warroom.clock import Clock
from warroom.db.engine import Database
from warroom.services import jobs

log = logging.getLogger("warroom.worker")
CHANNEL = "warroom_jobs"
WATCH_SECONDS = 0.02


class Waker(Protocol):
    def stop(self) -> None: ...


def watch_others(
    db: Database, wake: threading.Event, clock: Clock, *, poll_seconds: float, alone: bool
) -> Waker | None:
    """Start waking `wake` for jobs other processes schedule. On SQLite only for a worker
    alone in its process (`warroom worker`): beside a server, the jobs it must hear of
    at once are that server's, which wake it directly, and watching would cost the busy
    server a little CPU for nothing. None for an in-memory database (nobody else can
    reach it)."""
    if not db.is_sqlite:
        return Listener(db, wake, poll_seconds=poll_seconds)
    if not alone:
        return None
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    return Watcher(db, path, wake, clock, horizon=timedelta(seconds=poll_seconds))


class Listener:
    """LISTEN on PostgreSQL so a job scheduled by another process wakes this one."""

    def __init__(self, db: Database, wake: threading.Event, *, poll_seconds: float) -> None:
        self.db = db
        self.wake = wake
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="warroom-listen", daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while not self.stopping.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=self.poll_seconds, stop_after=1):
                            self.wake.set()
            except Exception as exc:
                log.warning("LISTEN connection lost (%s); retrying", exc)
                self.stopping.wait(self.poll_seconds)

    def stop(self) -> None:
        self.stopping.set()


class Watcher:
    """Wakes the worker when another connection committed a job due before its next poll."""

    def __init__(
        self, db: Database, path: str, wake: threading.Event, clock: Clock, *, horizon: timedelta
    ) -> None:
        self.db = db
        self.path = path  # the database file, watched through a connection of its own
        self.wake = wake
        self.clock = clock
        self.horizon = horizon
        self.stopping = threading.Event()
        self.version: int | None = None
        self.connection: sqlite3.Connection | None = None
        self.thread = threading.Thread(target=self._watch, name="warroom-watch", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopping.wait(WATCH_SECONDS):
            try:
                self.poll()
            except Exception as exc:  # the file may be busy or moved: try again
                log.debug("watching the database failed (%s)", exc)
                self._close()
        self._close()

    def poll(self) -> bool:
        """Look once; True if the worker was woken."""
        if self.connection is None:
            self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=1)
        (version,) = self.connection.execute("PRAGMA data_version").fetchone()
        changed, self.version = version != self.version, version
        if not changed or self.wake.is_set():
            return False  # a worker already woken reads when the next job is due itself
        with self.db.read() as session:
            due = jobs.next_due_at(session)
        if due is None or due > self.clock.now() + self.horizon:
            return False
        self.wake.set()
        return True

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def stop(self) -> None:
        self.stopping.set()
