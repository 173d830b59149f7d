"""`warroom serve --processes 2` as real processes on loopback: each server process has a
socket of its own on the port, so connections reach both; one that dies is replaced; SIGTERM
or SIGINT stops them all; a port already taken is refused with one sentence.

Which process holds a connection is read from /proc: the sockets each process has open,
matched against the established connections to the port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from tests.e2e.test_serve_restart import HOST, WARROOM, Processes, free_port, poll, procs

from warroom.processes.sockets import listen_shared
from warroom.processes.supervisor import Supervisor

pytestmark = pytest.mark.slow
__all__ = ["procs"]  # the fixture, shared with test_serve_restart

CONNECTIONS = 32  # all of them in one process of two: a chance of 1 in 2**31


def server_pids(supervisor: subprocess.Popen[bytes]) -> set[int]:
    children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children")
    return {int(pid) for pid in children.read_text().split()}


def established_to(port: int) -> set[str]:
    """Socket inodes of the established connections whose local port is `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local_port = int(fields[1].rpartition(":")[2], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    return inodes


def connections_held(pid: int, port: int) -> int:
    ours = established_to(port)
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:[") and target[8:-1] in ours:
            held += 1
    return held


@contextmanager
def open_connections(base: str, count: int) -> Iterator[None]:
    """`count` keep-alive connections, each answered once and left open."""
    with ExitStack() as stack:
        for _ in range(count):
            client = stack.enter_context(httpx.Client(base_url=base, timeout=30))
            assert client.get("/healthz").status_code == 200
        yield


def spread(base: str, pids: set[int]) -> dict[int, int]:
    port = int(base.rpartition(":")[2])
    with open_connections(base, CONNECTIONS):
        return {pid: connections_held(pid, port) for pid in pids}


def serve_two(procs: Processes) -> tuple[str, subprocess.Popen[bytes]]:
    base = procs.serve(worker=True, processes=2)
    supervisor = procs.started[-1]
    assert poll(lambda: len(server_pids(supervisor)) == 2)
    return base, supervisor


def test_both_server_processes_take_connections(procs: Processes) -> None:
    base, supervisor = serve_two(procs)
    held = spread(base, server_pids(supervisor))
    assert sum(held.values()) == CONNECTIONS
    assert all(count > 0 for count in held.values()), held


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
    assert all(count > 0 for count in held.values()), held
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
