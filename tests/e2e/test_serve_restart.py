"""The real server as a process: what it acknowledged survives `kill -9`, and the jobs it
scheduled fire after a restart, from the built-in worker or from `warroom worker`.

Loopback only; every process started here is killed by its PID when the test ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.support import HOST, WARROOM, free_port, iso, poll

from warroom.db.engine import open_database
from warroom.db.models import Event, Job

pytestmark = pytest.mark.slow


class Processes:
    """Starts warroom processes and kills every one of them, by PID, at the end."""

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.tmp_path = tmp_path
        self.db_url = db_url
        self.started: list[subprocess.Popen[bytes]] = []
        self.env = {**os.environ, "WARROOM_ACTOR": "e2e"}
        self.env.pop("WARROOM_CONFIG", None)

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [WARROOM, *args, "--db", self.db_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        self.started.append(process)
        return process

    def serve(self, *, worker: bool, processes: int = 1, split: bool = False) -> str:
        port = free_port()
        args = ["serve", "--host", HOST, "--port", str(port), "--processes", str(processes)]
        args += ["--split"] if split else []
        process = self.spawn("serve", *args, *([] if worker else ["--no-worker"]))
        base = f"http://{HOST}:{port}"
        deadline = time.monotonic() + 60  # a bound, not a goal: N processes start on a busy box
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}: {self.logs()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"serve did not come up on {base}: {self.logs()}")

    def cli(self, *args: str) -> Any:
        done = subprocess.run(
            [WARROOM, *args, "--db", self.db_url, "--json"],
            capture_output=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
        return json.loads(done.stdout)

    def kill9(self, process: subprocess.Popen[bytes]) -> None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.tmp_path.glob("*.log"))

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:  # SIGTERM first: a supervisor stops its children
                os.kill(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def declare_overdue_p1(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """A P1 that started 20 minutes ago: its 15-minute ack deadline has passed."""
    started = datetime.now(UTC) - timedelta(minutes=20)
    response = httpx.post(
        f"{base}/api/v1/incidents",
        json={
            "title": "Primary DB unreachable",
            "severity": "P1",
            "service": "db",
            "at": iso(started),
        },
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    incident = response.json()
    assert datetime.fromisoformat(incident["ack_due_at"]) < datetime.now(UTC)
    return incident


def timeline(base: str, headers: dict[str, str], ref: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base}/api/v1/incidents/{ref}/timeline", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def overdue_events(base: str, headers: dict[str, str], ref: str) -> list[dict[str, Any]]:
    return [e for e in timeline(base, headers, ref) if e["kind"] == "ack_overdue"]


def test_acknowledged_changes_survive_kill_9_and_the_restarted_worker_fires_the_job(procs):
    base = procs.serve(worker=False)
    token = procs.cli("token", "create", "e2e", "--role", "responder")["token"]
    headers = {"Authorization": f"Bearer {token}"}

    incident = declare_overdue_p1(base, headers)
    update = httpx.post(
        f"{base}/api/v1/incidents/{incident['ref']}/updates",
        json={"message": "Failing over to the replica", "public": True},
        headers=headers,
        timeout=10,
    )
    assert update.status_code == 201, update.text
    assert overdue_events(base, headers, incident["ref"]) == []  # no worker is running

    procs.kill9(procs.started[0])
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/healthz", timeout=1)

    base = procs.serve(worker=True)
    after = httpx.get(f"{base}/api/v1/incidents/{incident['ref']}", headers=headers, timeout=10)
    assert after.status_code == 200
    body = after.json()
    for field in ("title", "severity", "service", "channel", "declared_at", "ack_due_at"):
        assert body[field] == incident[field], field
    events = body["timeline"]
    assert [e["kind"] for e in events][:2] == ["declared", "update"]
    assert events[0]["late"] is True
    assert (events[1]["text"], events[1]["visibility"]) == ("Failing over to the replica", "public")

    fired = poll(lambda: overdue_events(base, headers, incident["ref"]))
    assert fired, f"no ack_overdue event within 10 s: {procs.logs()}"
    assert len(fired) == 1
    assert fired[0]["actor"] == "warroom"


def test_a_separate_worker_process_fires_jobs_for_a_server_without_one(procs, db_url):
    base = procs.serve(worker=False)
    procs.spawn("worker", "worker")
    token = procs.cli("token", "create", "e2e", "--role", "responder")["token"]
    headers = {"Authorization": f"Bearer {token}"}

    incident = declare_overdue_p1(base, headers)
    fired = poll(lambda: overdue_events(base, headers, incident["ref"]))
    assert fired, f"no ack_overdue event within 10 s: {procs.logs()}"

    current = httpx.get(
        f"{base}/api/v1/incidents/{incident['ref']}", headers=headers, timeout=10
    ).json()
    assert current["escalation_level"] >= 1


def test_two_workers_never_fire_the_same_job_twice(procs, db_url):
    base = procs.serve(worker=True)
    procs.spawn("worker", "worker")
    procs.spawn("worker", "worker")
    token = procs.cli("token", "create", "e2e", "--role", "responder")["token"]
    headers = {"Authorization": f"Bearer {token}"}

    incident = declare_overdue_p1(base, headers)
    assert poll(lambda: overdue_events(base, headers, incident["ref"])), procs.logs()

    database = open_database(db_url)
    try:

        def ack_job_done() -> bool:
            with database.read() as session:
                statuses = session.scalars(
                    select(Job.status).where(
                        Job.incident_id == incident["id"], Job.kind == "ack_overdue"
                    )
                ).all()
            return list(statuses) == ["done"]

        assert poll(ack_job_done), procs.logs()
        with database.read() as session:
            fired = session.scalars(
                select(Event.id).where(
                    Event.incident_id == incident["id"], Event.kind == "ack_overdue"
                )
            ).all()
    finally:
        database.dispose()
    assert len(fired) == 1


def test_two_server_processes_share_the_port_and_group_alerts_into_one_incident(procs):
    base = procs.serve(worker=True, processes=2)
    created = procs.cli("integration", "create", "am", "--kind", "generic")
    url = f"{base}/api/v1/ingest/{created['key']}/generic"
    bodies = [
        {
            "summary": f"5xx on web-{n}",
            "dedup_key": f"web-{n}",
            "service": "web",
            "labels": {"alertname": "HighErrorRate"},
        }
        for n in range(40)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:  # new connections: both processes answer
        answers = list(pool.map(lambda body: httpx.post(url, json=body, timeout=30), bodies))
    assert [a.status_code for a in answers] == [202] * 40
    incidents = {a.json()["alerts"][0]["incident"] for a in answers}
    assert len(incidents) == 1
    listed = procs.cli("alerts", "--limit", "100")
    assert len(listed["items"]) == 40


def test_alerts_answered_202_survive_kill_9(procs):
    base = procs.serve(worker=False)
    created = procs.cli("integration", "create", "mon", "--kind", "generic")
    url = f"{base}/api/v1/ingest/{created['key']}/generic"
    bodies = [
        {"summary": f"disk full on db-{n}", "dedup_key": f"db-{n}", "labels": {"alertname": "Disk"}}
        for n in range(30)
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:  # concurrent: committed in shared batches
        answers = list(pool.map(lambda body: httpx.post(url, json=body, timeout=30), bodies))
    assert [a.status_code for a in answers] == [202] * 30
    procs.kill9(procs.started[0])  # at once, with no graceful shutdown

    listed = procs.cli("alerts", "--limit", "100")
    assert sorted(a["dedup_key"] for a in listed["items"]) == sorted(b["dedup_key"] for b in bodies)
    [incident] = {a.json()["alerts"][0]["incident"] for a in answers}
    shown = procs.cli("show", incident)
    lines = [e for e in shown["timeline"] if e["kind"] == "alert"]  # one a batch: see ingest
    assert sum(e["data"].get("count", 1) for e in lines) == 30
