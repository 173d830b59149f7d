"""Helper processes a server starts for itself (`warroom serve --split`): the alert writer
(processes/ingest_writer) and the worker (processes/worker).

Each runs `python -m MODULE FD`, FD being its end of a socket pair. The parent sends its
settings first (one pickled message, framed as `multiprocessing.connection` frames it)
and waits until the child says it is ready; the socket then carries whatever the pair
speaks. A child has a session of its own, so a Ctrl-C reaches only the server, which then
ends it by closing its end of the socket; a child also ends when its server dies.
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import Any

READY = b"ready"


def spawn(
    module: str, settings: tuple[Any, ...], *, start_seconds: float, send_buffer: int = 0
) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Start the child and wait until it is ready (blocking); its process and our end of
    the socket (non-blocking). Raises OSError or EOFError if it does not get ready."""
    ours, theirs = socket.socketpair()
    if send_buffer:
        for end in (ours, theirs):  # the kernel caps it (net.core.wmem_max)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    process = subprocess.Popen(
        [sys.executable, "-m", module, str(theirs.fileno())],
        pass_fds=[theirs.fileno()],
        start_new_session=True,
    )
    theirs.close()
    pipe = Connection(os.dup(ours.fileno()))
    try:
        pipe.send_bytes(pickle.dumps(settings))
        if not pipe.poll(start_seconds):
            raise EOFError("it did not answer")
        pipe.recv_bytes()  # ready
    except (EOFError, OSError):
        ours.close()
        reap(process, seconds=start_seconds)
        raise
    finally:
        pipe.close()
    ours.setblocking(False)
    return process, ours


def attach(argv: list[str]) -> tuple[socket.socket, tuple[Any, ...]] | None:
    """In the child: its end of the socket and the settings its parent sent (None if the
    parent is already gone)."""
    end = socket.socket(fileno=int(argv[0]))
    pipe = Connection(os.dup(end.fileno()))
    try:
        settings = pickle.loads(pipe.recv_bytes())  # noqa: S301 (our own parent)
    except (EOFError, OSError):
        return None
    finally:
        pipe.close()
    return end, settings


def say_ready(end: socket.socket) -> None:
    """In the child, once it can work: what `spawn` waits for."""
    pipe = Connection(os.dup(end.fileno()))
    try:
        pipe.send_bytes(READY)
    finally:
        pipe.close()


def reap(process: subprocess.Popen[bytes], *, seconds: float) -> int:
    """Wait for the child to end, killing it after `seconds`; its exit code."""
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
