"""On SQLite, the group-commit batches applied by a writer process of their own.

In one process the event loop (HTTP, parsing, routing) and the writer thread share one
interpreter lock. With SQLite's one write lock the writer's Python work is then the
bottleneck, and each time its commit lets go of the interpreter to wait for the disk, it
queues behind the loop to get it back. A writer process has an interpreter of its own.

The server's event loop itself sends the batches (no thread: nothing waits for the
interpreter lock to change hands) over a socket pair (`processes.children`), as plain
tuples (`processes.ingest_wire`), with the batch's instant, so the process keeps the server's clock.
Several batches are in flight: the server sends what it has read at each turn of its loop
rather than hold it back while the process is busy. When the process has committed, it
takes every batch waiting in the socket at once, applies them with
`ingest.batches.BatchWriter` in one transaction and, after its commit, answers each
batch's outcomes and whether the commit scheduled jobs (the server's worker is then
woken, as after its own commits). So an alert waits for the transaction being written,
not for a batch queued behind it.

If the process dies, the batches in flight are answered 503: they may or may not have
been committed, and a retry is deduplicated. A new process starts at once. The
process ends when the server closes its end of the socket, or when the server dies.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any, cast

from warroom import startup
from warroom.clock import FrozenClock
from warroom.config import WarroomConfig
from warroom.db.engine import open_database
from warroom.errors import Unavailable
from warroom.processes import children, ingest_wire
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.ingest import batches as ingest_batches
from warroom.services.ingest.batches import MAX_ALERTS_PER_BATCH, Outcomes, Result
from warroom.services.ingest.integrations import Sender
from warroom.services.ingest.prep import Submission

log = logging.getLogger("warroom.ingest")
START_SECONDS = 60.0  # for the process to import and open the database
STOP_SECONDS = 10.0
DEPTH = 8  # batches in flight: those waiting are written together, in one transaction
PICKLE = pickle.HIGHEST_PROTOCOL
SOCKET_BUFFER_BYTES = 4 << 20  # the kernel caps it (net.core.wmem_max)

NOT_STARTED = "The alert writer could not be started; nothing was stored. Send it again."
GONE = (
    "The alert writer stopped while this request was being written; it may not be stored. "
    "Send it again: a repeat is deduplicated."
)


class WriterProcess:
    """The server's side, on its event loop: no thread of its own, so no hand-over of the
    interpreter lock between the loop and a writer thread.

    `commit` queues a submission; once a turn of the loop, while fewer than `DEPTH` batches
    are in flight, every submission queued is sent as the next batch (the process writes
    those waiting together), and each answer settles its batch's requests."""

    def __init__(
        self, database_url: str, ctx: Context, on_scheduled: Callable[[], None] | None = None
    ) -> None:
        self.database_url = database_url
        self.ctx = ctx
        self.on_scheduled = on_scheduled  # called when a commit scheduled jobs
        self._queued: list[tuple[Submission, asyncio.Future[Outcomes]]] = []
        self._in_flight: deque[list[asyncio.Future[Outcomes]]] = deque()
        self._pipe: _Pipe | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._sending = False  # a `_send` is due on the loop

    @property
    def pid(self) -> int | None:
        """The running process's id (None before it started, or after it died)."""
        return self._process.pid if self._process is not None and self._pipe else None

    def start(self) -> None:
        """Start the process now rather than on the first alert (it takes a second);
        alerts that come meanwhile wait for it."""
        if self._pipe is None and self._starting is None:
            self._starting = asyncio.get_running_loop().create_task(self._start())

    async def commit(self, submission: Submission) -> Outcomes:
        future: asyncio.Future[Outcomes] = asyncio.get_running_loop().create_future()
        self._queued.append((submission, future))
        if not self._sending:  # once the requests read meanwhile are queued too
            self._sending = True
            asyncio.get_running_loop().call_soon(self._send)
        return await future

    async def close(self) -> None:
        """Wait (a while) for the alerts queued and in flight, then end the process."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_SECONDS
        while (self._queued or self._in_flight or self._starting) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        pipe, process = self._pipe, self._process
        self._pipe = None
        self._fail_in_flight()  # not answered in time: say so rather than leave them waiting
        self._fail(self._queued, GONE)
        self._queued = []
        if pipe is not None:
            pipe.transport.close()  # the process ends when it reads the end of the pipe
        if process is not None:
            await loop.run_in_executor(None, _reap, process)

    def _send(self) -> None:
        self._sending = False
        if self._pipe is None:
            self.start()
            return
        while self._queued and len(self._in_flight) < DEPTH:
            taken, size = 0, 0
            while taken < len(self._queued) and size < MAX_ALERTS_PER_BATCH:
                size += len(self._queued[taken][0].alerts)
                taken += 1
            batch, self._queued = self._queued[:taken], self._queued[taken:]
            submissions = [submission for submission, _ in batch]
            now = self.ctx.clock.now()
            self._pipe.send(pickle.dumps((now, ingest_wire.pack(submissions)), PICKLE))
            self._in_flight.append([future for _, future in batch])

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            process, end = await loop.run_in_executor(None, self._spawn)
            transport, pipe = await loop.create_connection(lambda: _Pipe(self), sock=end)
            pipe.transport = transport  # (uvloop may call connection_made after this)
        except (EOFError, OSError) as exc:
            log.error("the alert writer process did not start (%s)", exc)
            self._fail(self._queued, NOT_STARTED)
            self._queued = []
            return
        finally:
            self._starting = None
        self._process, self._pipe = process, pipe
        self._send()

    def _spawn(self) -> tuple[subprocess.Popen[bytes], socket.socket]:
        """Start the process and wait until it is ready (blocking: run in a thread)."""
        settings = (self.database_url, self.ctx.config, self.ctx.public_url)
        return children.spawn(
            __name__, settings, start_seconds=START_SECONDS, send_buffer=SOCKET_BUFFER_BYTES
        )

    def _answered(self, answer: bytes) -> None:
        scheduled, packed = pickle.loads(answer)  # noqa: S301 (our own pipe)
        futures = self._in_flight.popleft()
        for future, result in zip(futures, packed, strict=True):
            if not future.done():  # the client went away meanwhile
                _settle(future, ingest_wire.unpack_result(result))
        if scheduled and self.on_scheduled is not None:
            self.on_scheduled()
        self._send()

    def _lost(self, pipe: _Pipe) -> None:
        if self._pipe is not pipe:
            return  # closed by us
        log.error("the alert writer process stopped; a new one takes the next alerts")
        process, self._pipe, self._process = self._process, None, None
        self._fail_in_flight()
        if process is not None:
            asyncio.get_running_loop().run_in_executor(None, _reap, process)
        self.start()  # a new one now, not on the next alert (the queued ones wait for it)

    def _fail_in_flight(self) -> None:
        lost = [future for futures in self._in_flight for future in futures]
        self._in_flight.clear()
        for future in lost:
            if not future.done():
                future.set_exception(Unavailable(GONE))

    @staticmethod
    def _fail(queued: list[tuple[Submission, asyncio.Future[Outcomes]]], message: str) -> None:
        for _, future in queued:
            if not future.done():
                future.set_exception(Unavailable(message))


def _settle(future: asyncio.Future[Outcomes], result: Result) -> None:
    if isinstance(result, Exception):
        future.set_exception(result)
    else:
        future.set_result(result)


class _Pipe(asyncio.Protocol):
    """The socket to the process, framed as `multiprocessing.connection` frames it (a
    4-byte big-endian length, or -1 and an 8-byte one), which the process reads."""

    def __init__(self, owner: WriterProcess) -> None:
        self.owner = owner
        self.transport: asyncio.Transport
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def send(self, message: bytes) -> None:
        size = len(message)
        head = struct.pack("!i", size) if size < 0x7FFFFFFF else struct.pack("!iQ", -1, size)
        self.transport.write(head + message)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 4:
            (size,) = struct.unpack_from("!i", self._buffer)
            start = 4
            if size == -1:
                if len(self._buffer) < 12:
                    return
                (size,) = struct.unpack_from("!Q", self._buffer, 4)
                start = 12
            if len(self._buffer) < start + size:
                return
            answer = bytes(self._buffer[start : start + size])
            del self._buffer[: start + size]
            self.owner._answered(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner._lost(self)


def _reap(process: subprocess.Popen[bytes]) -> None:
    children.reap(process, seconds=STOP_SECONDS)


def main(argv: list[str]) -> None:
    """The writer process (`python -m warroom.processes.ingest_writer FD`), started by
    `WriterProcess`: its settings come first on the pipe."""
    with startup.collector_paused():  # see warroom.startup: a fifth of a batch's time
        attached = children.attach(argv)
    if attached is None:
        return
    end, (database_url, config, public_url) = attached
    serve(Connection(end.detach()), database_url, config, public_url)


def serve(pipe: Connection, database_url: str, config: WarroomConfig, public_url: str) -> None:
    """Apply each batch read from the pipe, and answer its results after the commit."""
    clock = FrozenClock()
    db = open_database(database_url)
    ctx = Context(config=config, clock=clock, public_url=public_url)
    scheduled = threading.Event()
    jobs.on_scheduled(db, scheduled.set)
    writer = ingest_batches.BatchWriter(db, ctx)
    senders: dict[tuple[Any, ...], Sender] = {}
    pipe.send_bytes(children.READY)
    try:
        while True:
            try:
                batches = _waiting(pipe, senders)
            except (EOFError, OSError):
                return  # the server closed its end, or is gone
            clock.set(batches[-1][0])
            merged = [submission for _, submissions in batches for submission in submissions]
            results = iter(writer.write(merged))
            for _, submissions in batches:  # one answer a batch, after the one commit
                packed = [ingest_wire.pack_result(next(results)) for _ in submissions]
                pipe.send_bytes(pickle.dumps((scheduled.is_set(), packed), PICKLE))
                scheduled.clear()
    finally:
        writer.close()
        db.dispose()


def _waiting(
    pipe: Connection, senders: dict[tuple[Any, ...], Sender]
) -> list[tuple[datetime, list[Submission]]]:
    """The next batch (waiting for it), and every one behind it already in the pipe, up
    to MAX_ALERTS_PER_BATCH alerts: written in one transaction, they share its commit."""
    batches: list[tuple[datetime, list[Submission]]] = []
    size = 0
    while not batches or (size < MAX_ALERTS_PER_BATCH and pipe.poll(0)):
        now, packed = pickle.loads(pipe.recv_bytes())  # noqa: S301 (our own pipe)
        submissions = ingest_wire.unpack(packed, senders)
        batches.append((now, submissions))
        size += sum(len(submission.alerts) for submission in submissions)
    return batches


if __name__ == "__main__":
    main(sys.argv[1:])
