"""On SQLite, the group-commit batches applied by a writer process of their own.

In one process the event loop (HTTP, parsing, routing) and the writer thread share one
interpreter lock. With SQLite's one write lock, the writer's Python work is then the
bottleneck, and each time its commit lets go of the interpreter to wait for the disk it
queues behind the loop to get it back. A writer process has an interpreter of its own.

The server's writer thread sends each batch over a pipe as plain tuples: only what the
writer reads (labels, links, details and the raw payload travel already encoded as the
database stores them), with the batch's instant, so the process keeps the server's clock.
The process applies it with `ingest_batches.BatchWriter` and answers each delivery's
outcomes after the commit, and whether the commit scheduled jobs (the server's worker is
then woken, as after its own commits).

If the process dies, the batch in flight is answered 503: it may or may not have been
committed, and a retry is deduplicated. The next batch starts a new process. The process
ends when the server closes its end of the pipe, or when the server dies.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, cast

from sqlalchemy.exc import OperationalError

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig
from warroom.db.engine import open_database
from warroom.domain.alerts import AlertAction
from warroom.domain.routing import AutoResolve
from warroom.errors import Unavailable
from warroom.services import ingest, ingest_batches, jobs, replays
from warroom.services.context import Context
from warroom.services.ingest_batches import Result
from warroom.services.ingest_prep import JSON_COLUMNS, Delivery, Ready
from warroom.services.integrations import Sender

log = logging.getLogger("warroom.ingest")
Done = Callable[[list[Result]], None]
START_SECONDS = 60.0  # for the process to import and open the database
STOP_SECONDS = 10.0
DEPTH = 2  # batches in flight: one being written, the next waiting for it
REPLAYED = "replayed"
UNAVAILABLE = "unavailable"  # the database refused (OperationalError): 503
FAILED = "failed"  # anything else: 500

NOT_STARTED = "The alert writer could not be started; nothing was stored. Send it again."
GONE = (
    "The alert writer stopped while this request was being written; it may not be stored. "
    "Send it again: a repeat is deduplicated."
)


class WriterProcess:
    """The server's side. `submit` sends a batch; a thread reads the answers and calls
    each batch's `done` with one result per delivery. Up to `DEPTH` batches are in
    flight, so the process finds the next one waiting when it has committed one."""

    def __init__(
        self, database_url: str, ctx: Context, on_scheduled: Callable[[], None] | None = None
    ) -> None:
        self.database_url = database_url
        self.ctx = ctx
        self.on_scheduled = on_scheduled  # called when a commit scheduled jobs
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(DEPTH)
        self._process: subprocess.Popen[bytes] | None = None
        self._pipe: Connection | None = None
        self._socket: socket.socket | None = None  # the pipe's socket, to end it
        self._in_flight: deque[tuple[Done, int]] = deque()

    @property
    def pid(self) -> int | None:
        """The running process's id (None before the first batch, or after it died)."""
        process = self._process
        return process.pid if process is not None else None

    def start(self) -> None:
        """Start the process now rather than on the first batch (it takes a second)."""
        with self._lock:
            self._started()

    def submit(self, deliveries: list[Delivery], done: Done) -> None:
        message = pickle.dumps((self.ctx.clock.now(), _pack(deliveries)), pickle.HIGHEST_PROTOCOL)
        self._slots.acquire()
        with self._lock:
            pipe = self._started()
            if pipe is None:
                self._slots.release()
                done([Unavailable(NOT_STARTED) for _ in deliveries])
                return
            self._in_flight.append((done, len(deliveries)))
            try:
                pipe.send_bytes(message)
            except OSError as exc:  # it died: the reader fails what is in flight
                log.error("the alert writer process is gone (%s)", exc)

    def close(self) -> None:
        """Wait for the batches in flight, then end the process."""
        waited = [self._slots.acquire(timeout=STOP_SECONDS) for _ in range(DEPTH)]
        with self._lock:
            end, process = self._socket, self._process
        if end is not None:  # the process ends when it reads the end of the pipe
            end.shutdown(socket.SHUT_WR)  # (a close would wait for the reader's recv)
        if process is not None:
            _reap(process)
        for _ in filter(None, waited):
            self._slots.release()

    def _started(self) -> Connection | None:
        """The pipe to a running process (started if there is none), or None if it
        would not start. Called holding `_lock`."""
        if self._pipe is not None:
            return self._pipe
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            start_new_session=True,  # a Ctrl-C is for the server, which then closes the pipe
        )
        theirs.close()
        pipe = Connection(os.dup(ours.fileno()))
        try:
            pipe.send_bytes(pickle.dumps((self.database_url, self.ctx.config, self.ctx.public_url)))
            if not pipe.poll(START_SECONDS):
                raise EOFError("it did not answer")
            pipe.recv_bytes()  # ready
        except (EOFError, OSError) as exc:
            log.error("the alert writer process did not start (%s)", exc)
            pipe.close()
            ours.close()
            _reap(process)
            return None
        self._process, self._pipe, self._socket = process, pipe, ours
        threading.Thread(
            target=self._read, args=(pipe, process), name="warroom-ingest-answers", daemon=True
        ).start()
        return pipe

    def _read(self, pipe: Connection, process: subprocess.Popen[bytes]) -> None:
        """Answer each batch in flight, in order, until the pipe ends."""
        while True:
            try:
                scheduled, packed = pickle.loads(pipe.recv_bytes())  # noqa: S301 (our own pipe)
            except (EOFError, OSError) as exc:
                self._gone(pipe, process, exc)
                return
            with self._lock:
                done, _ = self._in_flight.popleft()
            self._slots.release()
            if scheduled and self.on_scheduled is not None:
                self.on_scheduled()
            done([_unpack_result(result) for result in packed])

    def _gone(self, pipe: Connection, process: subprocess.Popen[bytes], exc: Exception) -> None:
        with self._lock:
            lost = list(self._in_flight)
            self._in_flight.clear()
            end = self._socket if self._pipe is pipe else None
            if self._pipe is pipe:
                self._pipe = self._process = self._socket = None
        if lost:
            log.error("the alert writer process stopped (%s); a new one takes the next", exc)
        pipe.close()
        if end is not None:
            end.close()
        _reap(process)
        for done, count in lost:
            self._slots.release()
            done([Unavailable(GONE) for _ in range(count)])


def _reap(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str]) -> None:
    """The writer process (`python -m warroom.services.ingest_process FD`), started by
    `WriterProcess`: its settings come first on the pipe."""
    pipe = Connection(int(argv[0]))
    try:
        database_url, config, public_url = pickle.loads(pipe.recv_bytes())  # noqa: S301
    except (EOFError, OSError):
        return
    serve(pipe, database_url, config, public_url)


def serve(pipe: Connection, database_url: str, config: WarroomConfig, public_url: str) -> None:
    """Apply each batch read from the pipe, and answer its results after the commit."""
    clock = FrozenClock()
    db = open_database(database_url)
    ctx = Context(config=config, clock=clock, public_url=public_url)
    scheduled = threading.Event()
    jobs.on_scheduled(db, scheduled.set)
    writer = ingest_batches.BatchWriter(db, ctx)
    senders: dict[tuple[Any, ...], Sender] = {}
    pipe.send_bytes(b"ready")
    try:
        while True:
            try:
                now, packed = pickle.loads(pipe.recv_bytes())  # noqa: S301 (our own pipe)
            except (EOFError, OSError):
                return  # the server closed its end, or is gone
            clock.set(now)
            results = writer.write(_unpack(packed, senders))
            answer = (scheduled.is_set(), [_pack_result(result) for result in results])
            scheduled.clear()
            pipe.send_bytes(pickle.dumps(answer, pickle.HIGHEST_PROTOCOL))
    finally:
        writer.close()
        db.dispose()


# --- the wire: plain tuples ---------------------------------------------------------------
# The writer process reads an alert and its route through these views, with the names
# `ingest.apply` reads (tuples are made ten times faster than the frozen dataclasses).


class _Alert(NamedTuple):
    dedup_key: str
    action: AlertAction
    summary: str
    source_severity: str | None
    source: str | None
    started_at: datetime | None


class _Decision(NamedTuple):
    drop: bool
    service: str | None
    level: str | None
    group_key: str
    auto_resolve: AutoResolve


class _Ready(NamedTuple):
    alert: _Alert
    decision: _Decision
    json: dict[str, str]
    event_data: str


ACTIONS = {action.value: action for action in AlertAction}
MODES = {mode.value: mode for mode in AutoResolve}


def _pack(deliveries: list[Delivery]) -> list[tuple[Any, ...]]:
    return [
        ((d.sender.id, d.sender.name, d.sender.kind, d.sender.service), d.signature,
         [_pack_ready(ready) for ready in d.alerts])
        for d in deliveries
    ]  # fmt: skip


def _pack_ready(ready: Ready) -> tuple[Any, ...]:
    a, d = ready.alert, ready.decision
    return (
        (a.dedup_key, a.action.value, a.summary, a.source_severity, a.source, a.started_at),
        (d.drop, d.service, d.level, d.group_key, d.auto_resolve.value),
        tuple(ready.json[name] for name in JSON_COLUMNS),
        ready.event_data,
    )


def _unpack(
    packed: list[tuple[Any, ...]], senders: dict[tuple[Any, ...], Sender]
) -> list[Delivery]:
    deliveries = []
    for sender, signature, alerts in packed:
        known = senders.get(sender)
        if known is None:  # its secret stays with the server: the writer needs none
            sender_id, name, kind, service = sender
            known = senders[sender] = Sender(sender_id, name, kind, service, None, False)
        ready = [_unpack_ready(*alert) for alert in alerts]
        deliveries.append(Delivery(known, cast(list[Ready], ready), signature))
    return deliveries


def _unpack_ready(
    alert: tuple[Any, ...], decision: tuple[Any, ...], json: tuple[str, ...], event_data: str
) -> _Ready:
    key, action, summary, source_severity, source, started_at = alert
    drop, service, level, group_key, mode = decision
    return _Ready(
        _Alert(key, ACTIONS[action], summary, source_severity, source, started_at),
        _Decision(drop, service, level, group_key, MODES[mode]),
        dict(zip(JSON_COLUMNS, json, strict=True)),
        event_data,
    )


def _pack_result(result: Result) -> Any:
    if isinstance(result, replays.Replayed):
        return REPLAYED
    if isinstance(result, OperationalError):
        return (UNAVAILABLE, str(result.orig))
    if isinstance(result, Exception):
        return (FAILED, f"{type(result).__name__}: {result}")
    return [(o.dedup_key, o.action, o.result, o.incident_id) for o in result]


def _unpack_result(packed: Any) -> Result:
    if packed == REPLAYED:
        return replays.Replayed()
    if isinstance(packed, tuple):
        kind, message = packed
        if kind == UNAVAILABLE:
            return Unavailable(f"The database is unavailable ({message}); nothing was stored.")
        return RuntimeError(f"the alert writer process failed: {message}")
    return [ingest.Outcome(*outcome) for outcome in packed]


if __name__ == "__main__":
    main(sys.argv[1:])
