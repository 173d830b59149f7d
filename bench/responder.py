"""The responder's screens on a big database: the incident room with its alerts' context,
the list searched by an alert label (a host), a schedule's two weeks, /me and the
dashboard, each as the time until the whole page has arrived.

Seeds a fresh SQLite database with many incidents and their timelines (bench/core.py's
seeding) plus alerts with Prometheus-style labels on a share of them (one host each),
starts the real `warroom serve` with a config holding people and a schedule, signs in
as a responder (config schedules name config people only, so /me computes every
schedule's shifts and finds none of theirs), and measures on loopback p50/p95/p99 of:

- `GET /incidents/INC-{id}` (random incidents with alerts: labels, links, annotations);
- `GET /incidents?status=all&q=<host>` (search through every alert's labels);
- `GET /schedules/primary` (each layer, the overrides and the result over two weeks);
- `GET /me` (my shifts, my incidents, my contacts); `GET /` (the dashboard).

Goal (the issue's observation of today's pages): each page p95 < 200 ms.

Run: .venv/bin/python bench/responder.py [--incidents 20000] [--alerting 2000]
         [--requests 100]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert

from core import free_port, seed, server_env, stop, wait_healthy, warroom
from machine import machine as shared_machine
from warroom.db.engine import open_database
from warroom.db.models import Alert, Integration

USER, PASSWORD = "bench-responder", "bench-responder-password"
SQLITE_PATH = Path("/tmp/wr-bench-responder.sqlite")  # its own: other benchmarks may run
GOAL_MS = 200.0
CONFIG = """
[[people]]
name = "erin"

[[people]]
name = "frank"

[[schedules]]
name = "primary"
  [[schedules.layers]]
  members = ["frank", "erin"]
  start = "2026-01-05T09:00:00Z"
  turn = "1d"
  [[schedules.layers]]
  members = ["erin"]
  start = "2026-01-05T09:00:00Z"
  turn = "1w"
  restrictions = [{ days = ["sat", "sun"], start = "00:00", end = "23:59" }]
"""


def add_alerts(url: str, incidents: int, alerting: int) -> list[int]:
    """Firing alerts, three each, on `alerting` random incidents; their ids."""
    rng = random.Random(28)
    chosen = sorted(rng.sample(range(1, incidents + 1), alerting))
    now = datetime.now(UTC)
    database = open_database(url)
    try:
        with database.engine.begin() as conn:
            sender = conn.execute(
                insert(Integration).returning(Integration.id),
                {"name": "prom", "kind": "alertmanager", "key_hash": "b" * 64, "created_at": now},
            ).scalar_one()
            rows = [
                {
                    "integration_id": sender,
                    "incident_id": incident,
                    "dedup_key": f"fp-{incident}-{n}",
                    "status": "firing" if n else "resolved",
                    "summary": f"Instance is down ({n})",
                    "source": f"host-{incident}.example.com:9100",
                    "labels": {
                        "alertname": "InstanceDown",
                        "instance": f"host-{incident}.example.com:9100",
                        "job": "node",
                        "severity": "critical",
                        "replica": str(n),
                    },
                    "links": [
                        {
                            "href": "https://prometheus.example.com/graph?g0.expr=up",
                            "text": "Source",
                        },
                        {"href": "https://runbooks.example.com/instance-down", "text": "Runbook"},
                    ],
                    "details": {"description": f"host-{incident} has not answered for 5 minutes"},
                    "raw": {},
                    "count": 1 + n,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for incident in chosen
                for n in range(3)
            ]
            conn.execute(insert(Alert), rows)
    finally:
        database.dispose()
    return chosen


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30.0)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token, "no sign-in form"
    answer = client.post(
        "/login", data={"csrf": token.group(1), "username": USER, "password": PASSWORD}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:200]}")
    return client


def timed(client: httpx.Client, paths: list[str], requests: int) -> dict[str, float]:
    for path in paths[:3]:  # warm up
        client.get(path)
    samples = []
    for i in range(requests):
        path = paths[i % len(paths)]
        started = time.perf_counter()
        answer = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--alerting", type=int, default=2_000)
    parser.add_argument("--events-per-incident", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{SQLITE_PATH}"
    seeded = seed(url, args.incidents, args.events_per_incident)
    with_alerts = add_alerts(url, args.incidents, args.alerting)
    user = warroom("user", "create", USER, "--role", "responder", "--password", PASSWORD)
    subprocess.run([*user, "--db", url], check=True, capture_output=True, env=server_env())
    rng = random.Random(5)
    picks = [rng.choice(with_alerts) for _ in range(args.requests)]
    pages = {
        "room with alerts": [f"/incidents/INC-{i}" for i in picks],
        "search by host": [f"/incidents?status=all&q=host-{i}.example" for i in picks],
        "schedule, two weeks": ["/schedules/primary"],
        "/me": ["/me"],
        "dashboard": ["/"],
    }
    folder = Path(tempfile.mkdtemp(prefix="wr-bench-responder-"))
    config = folder / "warroom.toml"
    config.write_text(CONFIG)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = warroom("serve", "--port", str(port), "--db", url, "--config", str(config))
    with (folder / "serve.log").open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=server_env())
        try:
            wait_healthy(process, base, time.perf_counter())
            client = signed_in(base)
            try:
                figures = {
                    name: timed(client, paths, args.requests) for name, paths in pages.items()
                }
            finally:
                client.close()
        finally:
            stop(process)
    shutil.rmtree(folder, ignore_errors=True)
    box = shared_machine()
    print(f"# bench/responder.py on {box.get('cpus', '?')} CPUs, SQLite, " + " ".join(sys.argv[1:]))
    print(
        f"seeded {seeded.incidents} incidents ({seeded.events} events), "
        f"{len(with_alerts) * 3} alerts on {len(with_alerts)} of them, in {seeded.seconds:.0f} s"
    )
    print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  goal p95 < {GOAL_MS:.0f} ms")
    ok = True
    for name, cut in figures.items():
        met = cut["p95"] < GOAL_MS
        ok &= met
        print(
            f"{name:<22} {cut['p50']:8.1f} {cut['p95']:8.1f} {cut['p99']:8.1f}  "
            f"{'met' if met else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
