"""Paging benchmark: from an alert arriving to a notification received, warroom beside
Prometheus Alertmanager 0.25; then how late a worker runs due jobs in a big backlog.

(a) warroom: `warroom serve --split` (with its worker; on SQLite the alert writer and the
    worker in processes of their own; --one-process: without --split) on a fresh
    database, ready (/readyz) before the first alert; alerts go to the
    generic webhook, one distinct alert a request (each opens an incident, which pages the
    on-call person through warroom's signed webhook) at a fixed rate (open loop, on up to
    CONNECTIONS keep-alive connections, opened before the first alert). A
    loopback receiver in this process notes when each page arrives; latency is arrival
    minus the moment the alert was due to be sent. Bundling is off (bundle_window = 0s):
    with it, a storm to one person is one message by design.
(b) Alertmanager: the same alerts posted to /api/v2/alerts at the same rate, one group per
    alert (group_by ['...'], group_wait 0s), its webhook going to the same receiver.
(c) jobs: with nothing running, N pending jobs (no-op reminders) are inserted, due evenly
    over the next S seconds; then `warroom worker` starts and we wait until they are due.
    Lateness = when the worker finished a job minus when it was due.

Goals: (a) p50 < 30 ms and p99 < 150 ms at 1,000 alerts/s; (c) p99 lateness < 1 s.

Run: .venv/bin/python bench/paging.py [--db sqlite|postgres] [--seconds 10] [--rate 1000]
         [--jobs 100000] [--jobs-over 30] [--no-alertmanager] [--no-jobs] [--json]
         [--one-process]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select

from ingest import (
    ALERTMANAGER,
    BIN,
    Connection,
    alertmanager_version,
    clean_env,
    create_integration,
    event_loop_factory,
    fresh_sqlite,
    percentile,
    postgres_database,
    started,
    wait_ready,
)
from loopback import free_port
from machine import machine
from warroom.db.models import Job

SECRET = "bench-receiver-secret-0123456789"
TOKEN = re.compile(rb"bench-page-(\d+)")
# Enough that the sender never waits for a free connection: at 1,000 alerts/s, requests in
# flight = 1,000 times the answer's latency, so 32 connections would hold every
# request back once answers take over 32 ms, and a short stall would snowball into seconds of
# client-side queueing counted as warroom's. Senders such as Alertmanager open another
# connection rather than wait (Go's HTTP client has no cap on connections by default).
CONNECTIONS = 256
GRACE_S = 15.0
GOAL_P50_MS, GOAL_P99_MS, GOAL_LATE_S = 30.0, 150.0, 1.0
WARROOM_CONFIG = """
bundle_window = "0s"
default_policy = "bench"
[[severities]]
id = "P1"
name = "Bench"
ack_within = "1h"
[default_route]
severity = "P1"
[[people]]
name = "oncall"
contacts = ["webhook+http://127.0.0.1:{port}/warroom?secret={secret}"]
[[policies]]
name = "bench"
steps = [{{ notify = ["person:oncall"], wait = "1h" }}]
[security]
integration_rate = 0  # the bench measures intake and paging, not the rate limiter
"""
AM_CONFIG = {
    "route": {
        "receiver": "hook",
        "group_by": ["..."],
        "group_wait": "0s",
        "group_interval": "1m",
        "repeat_interval": "1h",
    },
    "receivers": [{"name": "hook", "webhook_configs": [{"url": "", "send_resolved": False}]}],
}


# --- the receiver: notes when each page arrives -------------------------------------------


class Receiver:
    """An asyncio HTTP/1.1 server (keep-alive) in its own thread; arrival times by token."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived: dict[str, dict[int, float]] = {"warroom": {}, "alertmanager": {}}
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self) -> None:
        factory = event_loop_factory()
        self.loop = factory() if factory else asyncio.new_event_loop()
        server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=512)
        )
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                found = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                body = await reader.readexactly(int(found.group(1))) if found else b""
                at = time.perf_counter()
                who = "alertmanager" if head.startswith(b"POST /alertmanager") else "warroom"
                for token in TOKEN.findall(body):
                    self.arrived[who].setdefault(int(token), at)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


# --- the sender: distinct alerts at a fixed rate -----------------------------------------


def generic_request(port: int, path: str, n: int) -> bytes:
    body = json.dumps(
        {
            "summary": f"bench-page-{n} error rate above 5%",
            "dedup_key": f"bench-page-{n}",
            "severity": "critical",
            "labels": {"alertname": f"bench-page-{n}"},
        }
    ).encode()
    return _post(port, path, body)


def am_request(port: int, n: int) -> bytes:
    alert = {
        "labels": {"alertname": f"bench-page-{n}", "severity": "critical"},
        "annotations": {"summary": f"bench-page-{n} error rate above 5%"},
    }
    return _post(port, "/api/v2/alerts", json.dumps([alert]).encode())


def _post(port: int, path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def send_paced(
    port: int, requests: list[bytes], rate: float
) -> tuple[list[float], int, list[float]]:
    """Send request i at start + i/rate (open loop); returns the due times, the failures
    and how long each answered request took from its due time (ms)."""
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        free.put_nowait(await Connection.open(port))
    failures = 0
    answered: list[float] = []
    start = time.perf_counter() + 0.1
    due = [start + i / rate for i in range(len(requests))]
    tasks: set[asyncio.Task[None]] = set()

    async def one(conn: Connection, request: bytes, due_at: float) -> None:
        nonlocal failures
        try:
            status = await conn.exchange(request)
            answered.append((time.perf_counter() - due_at) * 1000)
            failures += status >= 300
            free.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError):
            failures += 1

    for i, request in enumerate(requests):
        wait = due[i] - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        task = asyncio.create_task(one(await free.get(), request, due[i]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(set(tasks), timeout=GRACE_S)
    return due, failures, sorted(answered)


@dataclass
class Latency:
    system: str
    sent: int
    refused: int
    received: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    answered_p50_ms: float  # the alert's own request: due → answer (the ingest part)
    answered_p99_ms: float


def measure(
    system: str, receiver: Receiver, port: int, requests: list[bytes], rate: float
) -> Latency:
    factory = event_loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        due, refused, answered = runner.run(send_paced(port, requests, rate))
    deadline = time.monotonic() + GRACE_S
    arrived = receiver.arrived[system]
    while len(arrived) < len(requests) and time.monotonic() < deadline:
        time.sleep(0.2)
    got = dict(arrived)
    latencies = sorted(
        (got[n] - due[n]) * 1000 if n in got else float("inf") for n in range(len(requests))
    )
    return Latency(
        system=system,
        sent=len(requests),
        refused=refused,
        received=len(got),
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=latencies[-1],
        answered_p50_ms=percentile(answered, 0.50),
        answered_p99_ms=percentile(answered, 0.99),
    )


# --- the systems --------------------------------------------------------------------------


def bench_warroom(db_url: str, workdir: Path, receiver: Receiver, args: Any) -> Latency:
    config = workdir / "warroom.toml"
    config.write_text(WARROOM_CONFIG.format(port=receiver.port, secret=SECRET))
    key = create_integration(db_url, "bench-generic", "generic")
    port = free_port()
    log = workdir / "warroom.log"
    command = [str(BIN / "warroom"), "serve", "--port", str(port), "--db", db_url,
               "--config", str(config), *([] if args.one_process else ["--split"])]  # fmt: skip
    with started(command, log) as process:
        wait_ready(process, f"http://127.0.0.1:{port}/readyz", log)
        path = f"/api/v1/ingest/{key}/generic"
        requests = [generic_request(port, path, n) for n in range(int(args.rate * args.seconds))]
        return measure("warroom", receiver, port, requests, args.rate)


def bench_alertmanager(workdir: Path, receiver: Receiver, args: Any) -> Latency:
    config = workdir / "alertmanager.yml"
    hook = {**AM_CONFIG["receivers"][0]}  # type: ignore[index]
    hook["webhook_configs"] = [{"url": f"http://127.0.0.1:{receiver.port}/alertmanager",
                                "send_resolved": False}]  # fmt: skip
    config.write_text(json.dumps({**AM_CONFIG, "receivers": [hook]}))
    port = free_port()
    log = workdir / "alertmanager.log"
    command = [str(ALERTMANAGER), f"--web.listen-address=127.0.0.1:{port}",
               "--cluster.listen-address=", f"--storage.path={workdir / 'am-data'}",
               f"--config.file={config}", "--log.level=warn"]  # fmt: skip
    with started(command, log) as process:
        wait_ready(process, f"http://127.0.0.1:{port}/-/ready", log)
        requests = [am_request(port, n) for n in range(int(args.rate * args.seconds))]
        return measure("alertmanager", receiver, port, requests, args.rate)


# --- jobs: lateness in a big backlog ---------------------------------------------------------


@dataclass
class Lateness:
    jobs: int
    over_s: float
    done: int
    p50_s: float
    p99_s: float
    max_s: float


def bench_jobs(db_url: str, workdir: Path, args: Any) -> Lateness:
    """Insert the jobs first (nothing running), then start a worker and wait them out."""
    subprocess.run([str(BIN / "warroom"), "db", "upgrade", "--db", db_url], check=True,
                   env=clean_env(), capture_output=True)  # fmt: skip
    engine = create_engine(db_url)
    start = datetime.now(UTC) + timedelta(seconds=8)  # time for the worker to start
    rows = [
        {"kind": "ack_overdue", "incident_id": None, "payload": {}, "status": "pending",
         "attempts": 0, "created_at": datetime.now(UTC),
         "due_at": start + timedelta(seconds=args.jobs_over * i / args.jobs)}
        for i in range(args.jobs)
    ]  # fmt: skip
    with engine.begin() as conn:
        for first in range(0, len(rows), 5000):
            conn.execute(insert(Job), rows[first : first + 5000])
    log = workdir / "worker.log"
    command = [str(BIN / "warroom"), "worker", "--db", db_url]
    with started(command, log):
        end = start + timedelta(seconds=args.jobs_over)
        time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()) + 2)
        with engine.connect() as conn:
            finished = conn.execute(
                select(Job.due_at, Job.finished_at).where(
                    Job.kind == "ack_overdue", Job.due_at <= end
                )
            ).all()
    engine.dispose()
    late = sorted((f - d).total_seconds() if f is not None else float("inf") for d, f in finished)
    return Lateness(
        jobs=args.jobs,
        over_s=args.jobs_over,
        done=sum(1 for _, f in finished if f is not None),
        p50_s=percentile(late, 0.50),
        p99_s=percentile(late, 0.99),
        max_s=late[-1] if late else float("inf"),
    )


# --- output -------------------------------------------------------------------------------


def ms(value: float) -> str:
    return "lost" if value == float("inf") else f"{value:.1f} ms"


def report(args: Any, rows: list[Latency], lateness: Lateness | None) -> str:
    box = machine()
    lines = [
        f"paging benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.db}, "
        f"{args.rate:.0f} alerts/s for {args.seconds} s, "
        f"warroom serve{'' if args.one_process else ' --split'}",
        f"machine: {box['cpus']} CPUs ({box['cpu_model']}), {box['memory_gb']} GB, "
        f"Python {box['python']}",
        "",
        f"{'alert → notification':<24}{'sent':>8}{'refused':>9}{'received':>10}"
        f"{'p50':>12}{'p99':>12}{'max':>12}",
    ]
    for r in rows:
        name = r.system if r.system == "warroom" else f"Alertmanager {alertmanager_version()}"
        lines.append(
            f"{name:<24}{r.sent:>8}{r.refused:>9}{r.received:>10}"
            f"{ms(r.p50_ms):>12}{ms(r.p99_ms):>12}{ms(r.max_ms):>12}"
        )
    lines.append(f"{'(the alert answered)':<24}{'':>27}" + "".join(
        f"  {r.system[:12]}: p50 {ms(r.answered_p50_ms)}, p99 {ms(r.answered_p99_ms)}"
        for r in rows
    ))  # fmt: skip
    ours = next((r for r in rows if r.system == "warroom"), None)
    if ours:
        ok = ours.p50_ms < GOAL_P50_MS and ours.p99_ms < GOAL_P99_MS
        lines.append(f"goal: p50 < {GOAL_P50_MS:.0f} ms, p99 < {GOAL_P99_MS:.0f} ms: "
                     f"{'met' if ok else 'NOT met'}")  # fmt: skip
    if lateness:
        lines += [
            "",
            f"jobs: {lateness.jobs} pending, due over {lateness.over_s:.0f} s; "
            f"{lateness.done} done by the end",
            f"lateness p50 {lateness.p50_s:.3f} s, p99 {lateness.p99_s:.3f} s, "
            f"max {lateness.max_s:.3f} s (goal p99 < {GOAL_LATE_S:.0f} s: "
            f"{'met' if lateness.p99_s < GOAL_LATE_S else 'NOT met'})",
        ]
    return "\n".join(lines)


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "postgres":
        with postgres_database() as url:
            yield url
    else:
        yield fresh_sqlite(workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--jobs-over", type=float, default=30.0)
    parser.add_argument("--no-alertmanager", action="store_true")
    parser.add_argument("--no-jobs", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one-process", action="store_true", help="warroom serve without --split")
    parser.add_argument("--keep", help="keep logs and the SQLite file in this folder")
    args = parser.parse_args(argv)
    receiver = Receiver()
    rows: list[Latency] = []
    lateness = None
    with tempfile.TemporaryDirectory(prefix="wr-paging-bench-") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with database(args.db, workdir) as url:
            rows.append(bench_warroom(url, workdir, receiver, args))
        if not args.no_alertmanager:
            rows.append(bench_alertmanager(workdir, receiver, args))
        if not args.no_jobs:
            with database(args.db, workdir) as url:
                lateness = bench_jobs(url, workdir, args)
    if args.json:
        found = {"latency": [asdict(r) for r in rows], "jobs": lateness and asdict(lateness)}
        print(json.dumps(found, default=str))
    else:
        print(report(args, rows, lateness))
    return 0


if __name__ == "__main__":
    sys.exit(main())
