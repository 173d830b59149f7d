"""Group commit: one writer thread applies the alerts of many requests in one transaction
and answers each request after that transaction commits.

While one batch commits, the next requests queue up; the writer then takes all of them
at once (up to a cap), so the commit cost is shared by every request in the batch. If a
batch fails, each of its requests is retried alone, so one bad request never fails its
neighbours.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.services import ingest, ingest_prep, replays
from warroom.services.context import Context

log = logging.getLogger("warroom.ingest")
MAX_ALERTS_PER_BATCH = 2000
MAX_YIELD_S = 0.05  # the longest the event loop waits for a batch (`wait_for_writer`)
CONFLICT_RETRIES = 3  # a unique-index conflict with another process's writer is retried


Outcomes = list[ingest.Outcome]


@dataclass(frozen=True, slots=True)
class _Request:
    delivery: ingest_prep.Delivery
    future: asyncio.Future[Outcomes]
    loop: asyncio.AbstractEventLoop  # the event loop awaiting it


_Reply = tuple[asyncio.Future[Outcomes], Outcomes | None, Exception | None]


def _settle(replies: list[_Reply]) -> None:
    """On the event loop: answer every request of a batch (one wake-up for all)."""
    for future, outcomes, error in replies:
        if future.done():  # the client went away meanwhile
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(outcomes or [])


class IngestWriter:
    def __init__(self, db: Database, ctx: Context) -> None:
        self.db = db
        self.ctx = ctx
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._replies: dict[asyncio.AbstractEventLoop, list[_Reply]] = {}
        self._connection: Connection | None = None  # the writer thread's own (db.writer_connection)
        self._idle = threading.Event()  # clear while a batch's Python work holds the write lock
        self._idle.set()

    def wait_for_writer(self, timeout: float = MAX_YIELD_S) -> None:
        """On SQLite, while the writer applies a batch, block the calling thread (the
        event loop, before it takes up a request) until it is done.

        The batch holds SQLite's write lock, and its Python work needs the interpreter
        lock the event loop would otherwise take turns on; handing it over lets the
        batch finish (and the lock go) sooner. The commit's write-out and fsync release
        the interpreter, so the loop runs then. Measured: about +10 % single-alert
        webhooks a second with one process (BENCHMARKS.md, eighth session).
        """
        self._idle.wait(timeout)

    async def commit(self, delivery: ingest_prep.Delivery) -> Outcomes:
        """Queue a delivery and wait until its alerts are committed (on an event loop:
        the writer answers all of a batch's requests with one call into the loop)."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcomes] = loop.create_future()
        self._queue.put(_Request(delivery, future, loop))
        return await future

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="warroom-ingest", daemon=True
                    )
                    self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
        if self._thread is None or not self._thread.is_alive():
            self._drop_connection()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            size = len(first.delivery.alerts)
            while size < MAX_ALERTS_PER_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._commit(batch)
                    self._reply()
                    return
                batch.append(more)
                size += len(more.delivery.alerts)
            self._commit(batch)
            self._reply()

    def _session(self) -> Session:
        """On SQLite, on the writer's own connection (`Database.writer_connection`). On
        PostgreSQL a pooled one, as for any writer: there a connection kept for good was
        slower (batches of 100 alerts: 13 to 19 requests/s against 28 to 30 pooled)."""
        if not self.db.is_sqlite:
            return self.db.write()
        if self._connection is None:
            self._connection = self.db.writer_connection()
        return self.db.write(bind=self._connection)

    def _drop_connection(self) -> None:
        """After a failure the connection may be broken: the next batch takes a new one."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.close()
            except Exception:  # already gone: nothing to give back
                log.debug("closing the writer's connection failed", exc_info=True)

    def _commit(self, batch: list[_Request], conflicts_left: int = CONFLICT_RETRIES) -> None:
        try:
            with self._session() as session, session.begin():
                session.connection()  # BEGIN (IMMEDIATE): wait for the write lock first
                if self.db.is_sqlite:
                    self._idle.clear()
                try:
                    deliveries = [r.delivery for r in batch]
                    replayed = replays.take(session, deliveries, now=self.ctx.clock.now())
                    taken = [r for n, r in enumerate(batch) if n not in replayed]
                    results = ingest.apply(
                        session, ctx=self.ctx, deliveries=[r.delivery for r in taken]
                    )
                finally:
                    self._idle.set()
        except IntegrityError as exc:
            if conflicts_left == 0:
                self._fail(batch, exc)
                return
            # Another process opened the same group's incident or stored the same alert
            # meanwhile (a unique index refused ours); it has committed, so the same batch
            # now attaches to what it wrote.
            log.info("a batch met a concurrent writer (%s); applying it again", exc.orig)
            self._commit(batch, conflicts_left - 1)
            return
        except Exception as exc:
            self._drop_connection()
            self._fail(batch, exc)
            return
        for request, outcomes in zip(taken, results, strict=True):
            self._answer(request, outcomes, None)
        for n in replayed:
            self._answer(batch[n], None, replays.Replayed())

    def _answer(
        self, request: _Request, outcomes: Outcomes | None, error: Exception | None
    ) -> None:
        self._replies.setdefault(request.loop, []).append((request.future, outcomes, error))

    def _reply(self) -> None:
        replies, self._replies = self._replies, {}
        for loop, answers in replies.items():
            try:
                loop.call_soon_threadsafe(_settle, answers)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                log.info("%d answers for a closed event loop dropped", len(answers))

    def _fail(self, batch: list[_Request], exc: Exception) -> None:
        if len(batch) == 1:
            log.warning("ingest of one request failed: %s", exc)
            self._answer(batch[0], None, exc)
            return
        log.info("a batch of %d requests failed (%s); retrying each alone", len(batch), exc)
        for request in batch:
            self._commit([request])
