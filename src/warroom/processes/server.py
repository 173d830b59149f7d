"""One server process of `warroom serve --processes N`, started by the supervisor:
uvicorn on the socket the supervisor bound for it, the app built from the environment
(warroom.app:app_from_environment). It stops gracefully on SIGTERM, and also when the
supervisor goes away (its end of a pipe closes), so it never outlives it.

Run (by the supervisor only): python -m warroom.processes.server SOCKET_FD PIPE_FD
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading

import uvicorn

from warroom import startup
from warroom.config import ConfigError
from warroom.processes import UVICORN_OPTIONS

APP = "warroom.app:app_from_environment"
COULD_NOT_START = 3  # the exit code of a process whose app did not start


def main(argv: list[str]) -> int:
    listener = socket.socket(fileno=int(argv[0]))
    supervisor_pipe = int(argv[1])
    for fd in (listener.fileno(), supervisor_pipe):
        os.set_inheritable(fd, False)
    _stop_when_closed(supervisor_pipe)
    config = uvicorn.Config(APP, factory=True, **UVICORN_OPTIONS)
    try:
        with startup.collector_paused():
            config.load()
    except SystemExit:  # uvicorn could not import the app, and said why
        return COULD_NOT_START
    except Exception as exc:  # building the app failed: a mistake in the settings
        print(f"warroom: a server process cannot start: {_one_line(exc)}", file=sys.stderr)
        return COULD_NOT_START
    server = uvicorn.Server(config)
    server.run(sockets=[listener])
    return 0 if server.started else COULD_NOT_START


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ConfigError):
        return "; ".join(f"{exc.source}: {problem}" for problem in exc.problems)
    return next(iter(str(exc).splitlines()), type(exc).__name__)


def _stop_when_closed(fd: int) -> None:
    """SIGTERM ourselves once the supervisor's end of the pipe closes (it exited)."""

    def watch() -> None:
        while os.read(fd, 1):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="warroom-supervisor-watch", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
