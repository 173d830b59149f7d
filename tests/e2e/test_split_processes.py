"""`warroom serve --split` on SQLite runs its alert writer and its worker in processes of
their own. Killing the writer mid-stream costs no acknowledged alert and never answers 500 (the
batch in flight is answered 503, and a new process takes the next); a killed worker is
started again and the jobs still fire; /readyz says ready only once both are up; and both
go when their server is killed.

Loopback only; the server is killed by its PID at the end, and its helper processes end
by themselves when the server's end of their socket goes.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.e2e.test_serve_restart import Processes, declare_overdue_p1, overdue_events
from tests.support import poll

from warroom.db.engine import open_database
from warroom.db.models import Alert

pytestmark = pytest.mark.slow


WRITER = b"warroom.processes.ingest_writer"
WORKER = b"warroom.processes.worker"


def helper_of(server_pid: int, module: bytes = WRITER) -> int | None:
    """The pid of the server's writer (or worker) process, if it runs."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        if parent == server_pid and module in command and alive(int(entry.name)):
            return int(entry.name)
    return None


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def sqlite_url(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("the writer process is SQLite's (PostgreSQL takes writers side by side)")
    return db_url


def test_killing_the_writer_process_loses_no_acknowledged_alert_and_never_answers_500(
    procs: Processes, sqlite_url: str
) -> None:
    base = procs.serve(worker=False, split=True)
    key = procs.cli("integration", "create", "gen", "--kind", "generic")["key"]
    url = f"{base}/api/v1/ingest/{key}/generic"
    server = procs.started[0].pid
    first = poll(lambda: helper_of(server), seconds=30)
    assert first, f"no writer process: {procs.logs()}"

    answers: Counter[int] = Counter()
    accepted: set[str] = set()
    killed_at = None
    with httpx.Client(timeout=30) as client:
        for n in range(600):
            if n == 200:
                os.kill(first, signal.SIGKILL)
                killed_at = n
            body = {"summary": f"disk full on host-{n}", "dedup_key": f"host-{n}"}
            response = client.post(url, json=body)
            answers[response.status_code] += 1
            assert response.status_code in (202, 503), response.text
            if response.status_code == 202:
                accepted.add(f"host-{n}")
            else:
                assert response.headers["content-type"] == "application/problem+json"
            if n > 200 and answers[202] > 200 + 50:
                break
    assert killed_at == 200
    second = helper_of(server)
    assert second not in (None, first), "no new writer process took over"
    assert answers[202] >= 250 and answers[503] <= 2, answers
    database = open_database(sqlite_url)
    try:
        with database.read() as session:
            stored = set(session.scalars(select(Alert.dedup_key)))
    finally:
        database.dispose()
    assert accepted <= stored  # every 202 is committed


def served_split(procs: Processes) -> tuple[str, int, int, int]:
    """`warroom serve --split` with its worker, once /readyz says ready: its URL, and the
    pids of the server, its writer and its worker."""
    base = procs.serve(worker=True, split=True)
    server = procs.started[0].pid
    assert poll(lambda: httpx.get(f"{base}/readyz", timeout=5).status_code == 200, seconds=30)
    writer, worker = helper_of(server, WRITER), helper_of(server, WORKER)
    assert writer and worker, f"helpers missing: {procs.logs()}"
    return base, server, writer, worker


def test_ready_once_both_are_up_and_a_killed_worker_is_started_again(
    procs: Processes, sqlite_url: str
) -> None:
    base, server, _, worker = served_split(procs)
    os.kill(worker, signal.SIGKILL)
    again = poll(lambda: helper_of(server, WORKER) not in (None, worker), seconds=30)
    assert again, f"the worker was not started again: {procs.logs()}"

    token = procs.cli("token", "create", "e2e", "--role", "responder")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    incident = declare_overdue_p1(base, headers)
    fired = poll(lambda: overdue_events(base, headers, incident["ref"]), seconds=30)
    assert fired, f"the new worker did not fire the job: {procs.logs()}"


def test_the_helper_processes_end_when_their_server_is_killed(
    procs: Processes, sqlite_url: str
) -> None:
    _, _, writer, worker = served_split(procs)
    procs.kill9(procs.started[0])
    gone = poll(lambda: not alive(writer) and not alive(worker), seconds=30)
    assert gone, "a helper process outlived its server"


def test_one_process_unless_asked(procs: Processes, sqlite_url: str) -> None:
    base = procs.serve(worker=True)
    assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    pid = procs.started[0].pid
    assert helper_of(pid, WRITER) is None and helper_of(pid, WORKER) is None
