"""`warroom serve --processes 2` as real processes on loopback: each server process has a
socket of its own on the port, so connections reach both; one that dies is replaced; SIGTERM
or SIGINT stops them all; a port already taken is refused with one sentence.

Which process answered a connection is read from /proc: the one holding the server's end of it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest
from tests.e2e.test_serve_restart import Processes
from tests.support import HOST, WARROOM, free_port, poll

from warroom.processes.sockets import listen_shared
from warroom.processes.supervisor import Supervisor

pytestmark = pytest.mark.slow

CONNECTIONS = 32  # all of them in one process of two: a chance of 1 in 2**31


def server_pids(supervisor: subprocess.Popen[bytes]) -> set[int]:
    children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def server_side(port: int, client_port: int) -> str:
    """The socket inode of the server's end of the connection from `client_port`."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local, remote = (int(f.rpartition(":")[2], 16) for f in fields[1:3])
            if (local, remote) == (port, client_port):
                return fields[9]
    raise LookupError(f"no connection from port {client_port} to {port}")


def holds(pid: int, inode: str) -> bool:
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if str(fd.readlink()) == f"socket:[{inode}]":
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def answered_by(port: int, pids: set[int]) -> int:
    """Open a fresh connection, get an answer on it, and say which process holds it."""
    with socket.create_connection((HOST, port), timeout=30) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: warroom\r\n\r\n")
        assert connection.recv(4096).startswith(b"HTTP/1.1 200 ")
        inode = server_side(port, connection.getsockname()[1])
        return next(pid for pid in pids if holds(pid, inode))


def spread(base: str, pids: set[int]) -> Counter[int]:
    """How many of CONNECTIONS fresh connections each server process answered."""
    port = int(base.rpartition(":")[2])
    return Counter(answered_by(port, pids) for _ in range(CONNECTIONS))


def serve_two(procs: Processes) -> tuple[str, subprocess.Popen[bytes]]:
    base = procs.serve(worker=True, processes=2)
    supervisor = procs.started[-1]
    assert poll(lambda: len(server_pids(supervisor)) == 2)
    return base, supervisor


def test_both_server_processes_take_connections(procs: Processes) -> None:
    base, supervisor = serve_two(procs)
    pids = server_pids(supervisor)
    held = spread(base, pids)
    assert set(held) == pids, held


def test_a_server_process_that_dies_is_replaced_and_takes_connections(
    procs: Processes,
) -> None:
    base, supervisor = serve_two(procs)
    before = server_pids(supervisor)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)

    after = poll(lambda: (pids := server_pids(supervisor)) and len(pids) == 2 and pids != before)
    assert after, procs.logs()
    pids = server_pids(supervisor)
    assert victim not in pids
    assert supervisor.poll() is None
    held = spread(base, pids)  # the new one's socket was kept listening: none is refused
    assert set(held) == pids, held
    assert "exited (signal SIGKILL)" in procs.logs()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_stops_the_supervisor_and_every_server_process(
    procs: Processes, stop: signal.Signals
) -> None:
    base, supervisor = serve_two(procs)
    pids = server_pids(supervisor)

    supervisor.send_signal(stop)

    assert supervisor.wait(timeout=30) == 0
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/healthz", timeout=1)


def test_a_port_in_use_is_refused_in_one_sentence(procs: Processes, tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind((HOST, port))
        taken.listen()
        command = ["serve", "--host", HOST, "--port", str(port), "--processes", "2"]
        done = subprocess.run(
            [WARROOM, *command, "--db", procs.db_url],
            capture_output=True,
            text=True,
            env=procs.env,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: cannot listen on {HOST}:{port}: Address already in use"


def test_server_processes_that_cannot_start_their_app_stop_the_supervisor(
    procs: Processes, tmp_path: Path
) -> None:
    environment = {**procs.env, "WARROOM_DATABASE_URL": procs.db_url}
    environment["WARROOM_CONFIG"] = str(tmp_path / "missing.toml")
    said: list[str] = []
    supervisor = Supervisor(listen_shared(HOST, 0, 2), environment, log=said.append)

    assert supervisor.run() == 1
    assert said == ["a server process could not start its app (see above)"]
