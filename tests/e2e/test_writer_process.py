"""`warroom serve` on SQLite writes alerts through a writer process of its own: killing
that process mid-stream costs no acknowledged alert and never answers 500 (the batch in
flight is answered 503, and the next one gets a new process), and the writer process
goes when its server is killed.

Loopback only; the server is killed by its PID at the end, and its writer process ends
by itself when the server's end of the pipe goes.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.e2e.test_serve_restart import Processes, poll

from warroom.db.engine import open_database
from warroom.db.models import Alert

pytestmark = pytest.mark.slow


def writer_of(server_pid: int) -> int | None:
    """The pid of the server's writer process, if it runs."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        if parent == server_pid and b"warroom.services.ingest_process" in command:
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
    base = procs.serve(worker=False)
    key = procs.cli("integration", "create", "gen", "--kind", "generic")["key"]
    url = f"{base}/api/v1/ingest/{key}/generic"
    server = procs.started[0].pid
    first = poll(lambda: writer_of(server), seconds=30)
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
    second = writer_of(server)
    assert second not in (None, first), "no new writer process took over"
    assert answers[202] >= 250 and answers[503] <= 2, answers
    database = open_database(sqlite_url)
    try:
        with database.read() as session:
            stored = set(session.scalars(select(Alert.dedup_key)))
    finally:
        database.dispose()
    assert accepted <= stored  # every 202 is committed


def test_the_writer_process_ends_when_its_server_is_killed(
    procs: Processes, sqlite_url: str
) -> None:
    server = procs.serve(worker=False)
    pid = procs.started[0].pid
    writer = poll(lambda: writer_of(pid), seconds=30)
    assert writer, f"no writer process: {procs.logs()}"
    assert httpx.get(f"{server}/healthz", timeout=5).status_code == 200
    procs.kill9(procs.started[0])
    deadline = time.monotonic() + 30
    while alive(writer) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(writer), "the writer process outlived its server"
