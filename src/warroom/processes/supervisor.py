"""The supervisor of `warroom serve --processes N`: one server process per socket.

It starts a server process on each socket (processes/server.py), starts another when one
exits that was not asked to, and on SIGINT or SIGTERM asks every one to stop (SIGTERM: the
open requests finish) and waits for them; a second signal kills them at once. A server that
could not start its app (a mistake in the settings) is not restarted: the supervisor stops
the others and exits 1. Server processes run in their own process group, so a Ctrl-C at the
terminal reaches them once, through the supervisor.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType

from warroom.processes.server import COULD_NOT_START

STOP_SECONDS = 20.0  # uvicorn's graceful 5 s, then the app's own shutdown (writer, worker)
FIRST_DELAY = 0.5  # before restarting a process that died young; doubles up to MAX_DELAY
MAX_DELAY = 10.0
HEALTHY_SECONDS = 30.0  # a process that lived this long died of something new: no delay


def say(message: str) -> None:
    print(f"warroom: {message}", file=sys.stderr, flush=True)


@dataclass
class Slot:
    """A socket and the server process currently serving it."""

    listener: socket.socket
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    delay: float = 0.0


class Supervisor:
    def __init__(
        self,
        listeners: list[socket.socket],
        environment: Mapping[str, str],
        *,
        log: Callable[[str], None] = say,
    ) -> None:
        self.slots = [Slot(listener) for listener in listeners]
        self.environment = dict(environment)
        self.log = log
        self.changed = threading.Event()  # a child exited, or a signal came
        self.signals = 0
        self._pipe_read, self._pipe_write = os.pipe()  # children stop when it closes

    def run(self) -> int:
        """Serve until a signal stops us (0) or a server cannot start its app (1)."""
        previous = {
            sig: signal.signal(sig, self._on_signal)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD)
        }
        try:
            for slot in self.slots:
                self._start(slot)
            code = self._watch()
            self._stop_all()
            return code
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for slot in self.slots:
                slot.listener.close()
            os.close(self._pipe_read)
            os.close(self._pipe_write)

    def _on_signal(self, sig: int, _frame: FrameType | None) -> None:
        if sig != signal.SIGCHLD:
            self.signals += 1
            if self.signals > 1:  # asked twice: do not wait for them
                self._send_all(signal.SIGKILL)
        self.changed.set()

    def _watch(self) -> int:
        while not self.signals:
            self.changed.wait(timeout=self._until_next_restart())
            self.changed.clear()
            if self.signals:
                break
            now = time.monotonic()
            for slot in self.slots:
                if slot.process is not None and slot.process.poll() is not None:
                    if slot.process.returncode == COULD_NOT_START:
                        self.log("a server process could not start its app (see above)")
                        return 1
                    self._schedule_restart(slot, now)
                if slot.restart_at is not None and slot.restart_at <= now:
                    self._start(slot)
        return 0

    def _until_next_restart(self) -> float | None:
        due = [s.restart_at for s in self.slots if s.restart_at is not None]
        return max(0.0, min(due) - time.monotonic()) if due else None

    def _schedule_restart(self, slot: Slot, now: float) -> None:
        assert slot.process is not None
        lived = now - slot.started_at
        slot.delay = (
            0.0 if lived >= HEALTHY_SECONDS else min(MAX_DELAY, max(FIRST_DELAY, slot.delay * 2))
        )
        self.log(
            f"server process {slot.process.pid} exited ({_how(slot.process.returncode)}) "
            f"after {lived:.1f} s; starting another"
            + (f" in {slot.delay:.1f} s" if slot.delay else "")
        )
        slot.process = None
        slot.restart_at = now + slot.delay

    def _start(self, slot: Slot) -> None:
        fds = (slot.listener.fileno(), self._pipe_read)
        slot.process = subprocess.Popen(
            [sys.executable, "-m", "warroom.processes.server", *map(str, fds)],
            env=self.environment,
            pass_fds=fds,
            process_group=0,  # a terminal's Ctrl-C reaches the supervisor only
        )
        slot.started_at = time.monotonic()
        slot.restart_at = None

    def _stop_all(self) -> None:
        self._send_all(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for slot in self.slots:
            if slot.process is None:
                continue
            try:
                slot.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(f"server process {slot.process.pid} did not stop; killing it")
                slot.process.kill()
                slot.process.wait()

    def _send_all(self, sig: signal.Signals) -> None:
        for slot in self.slots:
            if slot.process is not None and slot.process.poll() is None:
                slot.process.send_signal(sig)


def _how(returncode: int) -> str:
    if returncode < 0:
        return f"signal {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"
