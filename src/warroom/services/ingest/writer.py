"""Group commit: one writer thread applies the alerts of many requests in one transaction
and answers each request after that transaction commits.

While one batch commits, the next requests queue up; the writer then takes all of them
at once (up to a cap), so the commit cost is shared by every request in the batch. The
batch itself is applied by `ingest.batches.BatchWriter` on this thread, or, on SQLite when
asked (`warroom serve` does), by a writer process of its own (`processes.ingest_writer`).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Protocol

from warroom.db.engine import Database
from warroom.services.context import Context
from warroom.services.ingest import prep
from warroom.services.ingest.batches import MAX_ALERTS_PER_BATCH, BatchWriter, Outcomes, Result

log = logging.getLogger("warroom.ingest")


@dataclass(frozen=True, slots=True)
class _Request:
    submission: prep.Submission
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


class BatchProcess(Protocol):
    """A process of its own that applies the batches (`processes.ingest_writer`)."""

    @property
    def pid(self) -> int | None: ...

    def start(self) -> None: ...

    async def commit(self, submission: prep.Submission) -> Outcomes: ...

    async def close(self) -> None: ...


class IngestWriter:
    def __init__(self, db: Database, ctx: Context, *, process: BatchProcess | None = None) -> None:
        """`process`: on SQLite, the process that applies the batches instead of this
        process's writer thread; the requests then go to it from the event loop."""
        self.db = db
        self.ctx = ctx
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._here = BatchWriter(db, ctx)
        self._process = process

    @property
    def ready(self) -> bool:
        """False while the writer process starts (or restarts)."""
        return self._process is None or self._process.pid is not None

    async def commit(self, submission: prep.Submission) -> Outcomes:
        """Queue a submission and wait until its alerts are committed (on an event loop:
        the writer answers all of a batch's requests with one call into the loop)."""
        if self._process is not None:
            return await self._process.commit(submission)
        self.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcomes] = loop.create_future()
        self._queue.put(_Request(submission, future, loop))
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
            size = len(first.submission.alerts)
            while size < MAX_ALERTS_PER_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._write(batch)
                    return
                batch.append(more)
                size += len(more.submission.alerts)
            self._write(batch)

    def _write(self, batch: list[_Request]) -> None:
        _answer(batch, self._here.write([request.submission for request in batch]))


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
