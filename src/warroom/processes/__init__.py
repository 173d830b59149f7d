"""`warroom serve --processes N`: a supervisor and N server processes, each on a socket of
its own on the same address (SO_REUSEPORT), so the kernel spreads connections evenly.

- sockets.py     binds the N sockets (and refuses a port that is taken)
- supervisor.py  starts, restarts and stops the server processes
- server.py      one server process: uvicorn on its socket, the app from the environment
"""

from typing import Any

# How every warroom server runs uvicorn, one process or many.
UVICORN_OPTIONS: dict[str, Any] = {
    "log_level": "warning",
    "access_log": False,
    "ws": "none",  # live pages use server-sent events; no websocket library to load
    "timeout_graceful_shutdown": 5,  # open live pages (SSE) reconnect elsewhere
}
