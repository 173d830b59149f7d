"""On SQLite, `warroom serve`'s background worker in a process of its own.

Beside the server's event loop, a worker thread (running page jobs, rendering messages,
sending them through its pool of sender threads, recording how they went) shares one
interpreter lock with the HTTP side; under an alert storm each waits for the other.
Here the server starts the worker as a child process, exactly as `warroom worker` runs
(it also watches the database for jobs other processes schedule), and wakes it at once
through a socket pair whenever a commit of its own, or of its writer process, scheduled a
job due now. The server restarts it if it dies (its jobs are rows: a job it held is taken
again when its lease ends). The child ends when the server closes its end of the socket
(it finishes its pass first), or when the server dies.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import threading

from warroom import startup
from warroom.clock import SystemClock
from warroom.config import WarroomConfig
from warroom.db.engine import open_database
from warroom.processes import children
from warroom.scheduler.worker import Worker, install_wakeup
from warroom.services.context import Context

log = logging.getLogger("warroom.worker")
RESTART_DELAY_S = 1.0
START_SECONDS = 60.0  # for the process to import and open the database
STOP_SECONDS = 20.0  # for the worker's pass and its sends to finish


class WorkerProcess:
    """The server's side: starts the process (and again if it dies), wakes it, stops it."""

    def __init__(self, database_url: str, ctx: Context) -> None:
        self.database_url = database_url
        self.ctx = ctx
        self._stopping = threading.Event()
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def ready(self) -> bool:
        """Running, and past its start (the socket is kept only then)."""
        return self._socket is not None and self.pid is not None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._supervise, name="warroom-worker-process", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """A job is due now: wake the worker (a wake already pending is enough)."""
        end = self._socket
        if end is not None:
            with contextlib.suppress(OSError):  # full of wakes already, or restarting
                end.send(b"!")

    def stop(self) -> None:
        self._stopping.set()
        end = self._socket
        if end is not None:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_WR)  # the worker ends after its pass
        if self._thread is not None:
            self._thread.join(STOP_SECONDS + 5)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            code = self._run_once()
            if self._stopping.is_set():
                return
            log.error("the worker process ended (exit %s); starting another", code)
            self._stopping.wait(RESTART_DELAY_S)

    def _run_once(self) -> int | None:
        settings = (self.database_url, self.ctx.config, self.ctx.public_url)
        try:
            process, end = children.spawn(__name__, settings, start_seconds=START_SECONDS)
        except (EOFError, OSError) as exc:
            log.error("the worker process did not start: %s", exc)
            return None
        self._process, self._socket = process, end
        try:
            if self._stopping.is_set():  # stopped while it started
                end.shutdown(socket.SHUT_WR)
                return children.reap(process, seconds=STOP_SECONDS)
            return process.wait()  # until it dies, or `stop` ends it
        finally:
            self._socket = None
            end.close()


def main(argv: list[str]) -> None:
    """The worker process (`python -m warroom.processes.worker FD`)."""
    with startup.collector_paused():  # see warroom.startup
        attached = children.attach(argv)
    if attached is None:
        return
    end, (database_url, config, public_url) = attached
    run(end, database_url, config, public_url)


def run(end: socket.socket, database_url: str, config: WarroomConfig, public_url: str) -> None:
    db = open_database(database_url)
    ctx = Context(config=config, clock=SystemClock(), public_url=public_url)
    worker = Worker(db, ctx, alone=True)
    install_wakeup(db, worker.wake)

    def listen() -> None:
        try:
            while end.recv(4096):
                worker.wake.set()
        except OSError:
            pass
        worker.stop()  # the server closed its end, or is gone

    threading.Thread(target=listen, name="warroom-worker-wakes", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    children.say_ready(end)
    try:
        worker.loop()
    finally:
        db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
