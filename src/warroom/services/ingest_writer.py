"""Group commit: one writer thread applies the alerts of many requests in one transaction
and answers each request after that transaction commits.

While one batch commits, the next requests queue up; the writer then takes all of them
at once (up to a cap), so the commit cost is shared by every request in the batch. The
batch itself is applied by `ingest_batches.BatchWriter` on this thread, or, on SQLite when
asked (`warroom serve` does), by a writer process of its own (`ingest_process`).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from warroom.db.engine import Database
from warroom.services import ingest_prep
from warroom.services.context import Context
from warroom.services.ingest_batches import BatchWriter, Outcomes, Result
from warroom.services.ingest_process import MAX_ALERTS_PER_BATCH, WriterProcess

log = logging.getLogger("warroom.ingest")
MAX_YIELD_S = 0.05  # the longest the event loop waits for a batch (`wait_for_writer`)


@dataclass(frozen=True, slots=True)
class _Request:
    delivery: ingest_prep.Delivery
    future: asyncio.Future[Outcomes]
    loop: asyncio.AbstractEventLoop  # the event loop awaiting it


_Reply = tuple[asyncio.Future[Outcomes], Result]


def _settle(replies: list[_Reply]) -> None:
    """On the event loop: answer every request of a batch (one wake-up for all)."""
    for future, result in replies:
        if future.done():  # the client went away meanwhile
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)


class IngestWriter:
    def __init__(
        self,
        db: Database,
        ctx: Context,
        *,
        writer_process: bool = False,
        on_scheduled: Callable[[], None] | None = None,
    ) -> None:
        """`writer_process`: on SQLite, apply the batches in a process of their own.
        `on_scheduled`: called after a batch that process committed scheduled jobs (a
        batch committed here tells the database's own listeners). With a process, the
        requests go to it from the event loop (`WriterProcess`), not through the thread."""
        self.db = db
        self.ctx = ctx
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._here = BatchWriter(db, ctx)
        self._process = (
            WriterProcess(str(db.engine.url), ctx, on_scheduled)
            if writer_process and db.is_sqlite
            else None
        )

    @property
    def ready(self) -> bool:
        """False while the writer process starts (or restarts)."""
        return self._process is None or self._process.pid is not None

    def wait_for_writer(self, timeout: float = MAX_YIELD_S) -> None:
        """On SQLite, while this process's writer thread applies a batch, block the
        calling thread (the event loop, before it takes up a request) until it is done.

        The batch holds SQLite's write lock, and its Python work needs the interpreter
        lock the event loop would otherwise take turns on; handing it over lets the
        batch finish (and the lock go) sooner. The commit's write-out and fsync release
        the interpreter, so the loop runs then. Measured: about +10 % single-alert
        webhooks a second with one process (BENCHMARKS.md, eighth session). A writer
        process has its own interpreter: nothing to wait for.
        """
        self._here.idle.wait(timeout)

    async def commit(self, delivery: ingest_prep.Delivery) -> Outcomes:
        """Queue a delivery and wait until its alerts are committed (on an event loop:
        the writer answers all of a batch's requests with one call into the loop)."""
        if self._process is not None:
            return await self._process.commit(delivery)
        self.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcomes] = loop.create_future()
        self._queue.put(_Request(delivery, future, loop))
        return await future

    def start(self) -> None:
        """Start the writer thread, or (on the event loop) the writer process."""
        if self._process is not None:
            self._process.start()
            return
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="warroom-ingest", daemon=True
                    )
                    self._thread.start()

    async def close(self) -> None:
        """On the event loop: let the alerts queued be committed, then stop."""
        if self._process is not None:
            await self._process.close()
        self.stop()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
        if self._thread is None or not self._thread.is_alive():
            self._here.close()

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
                    self._write(batch)
                    return
                batch.append(more)
                size += len(more.delivery.alerts)
            self._write(batch)

    def _write(self, batch: list[_Request]) -> None:
        _answer(batch, self._here.write([request.delivery for request in batch]))


def _answer(batch: list[_Request], results: list[Result]) -> None:
    """Settle each request with its result, one call into each waiting event loop."""
    replies: dict[asyncio.AbstractEventLoop, list[_Reply]] = {}
    for request, result in zip(batch, results, strict=True):
        replies.setdefault(request.loop, []).append((request.future, result))
    for loop, answers in replies.items():
        try:
            loop.call_soon_threadsafe(_settle, answers)
        except RuntimeError:  # that loop has closed: nobody is waiting any more
            log.info("%d answers for a closed event loop dropped", len(answers))
