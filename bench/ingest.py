"""Alert ingestion benchmark: warroom's alert intake against Prometheus Alertmanager 0.25.

Starts each system as a real process on 127.0.0.1 (one at a time, so neither competes with
the other for the two cores), loads it, and prints both systems' figures side by side:

(a) distinct single-alert webhooks/s (warroom: the generic endpoint, one alert a request;
    Alertmanager: POST /api/v2/alerts with a one-alert list);
(b) the batch form: 100 alerts a request, alerts/s (warroom also through its
    Alertmanager-webhook endpoint, the body Alertmanager itself would send);
(c) repeats of known dedup keys against new keys, requests/s (warroom only);
(d) p50/p99 latency at a fixed 1,000 single-alert requests/s for the run time (open loop:
    latency counts from when the request was due, so a server that falls behind shows it).

Alerts are realistic enough for grouping: alertname from 50 names and service from 10 (500
groups), so the first alerts open incidents and the rest attach to them. Throughput comes
from wrk (one thread, 32 keep-alive connections, bodies from bench/ingest_wrk.lua); the
fixed-rate run from an asyncio client in this process. After every warroom run the alerts
table is read to check that every accepted (2xx) alert was committed.

warroom runs on a fresh SQLite file and/or a fresh PostgreSQL database (scripts/pg), each
with its worker, exactly as `warroom serve --split --db URL` starts it (on SQLite the alert
writer and the worker in processes of their own; --one-process: without --split; the
server's CPU and RSS include its helper processes). A bare uvicorn endpoint
(bench/ingest_bare.py: parse and answer, nothing stored) takes the same load as the floor.
CPU use of the server, its database, the load generator and every other process is shown
for each run: the box has two cores, and anything else running on it lowers the figures.

Run: .venv/bin/python bench/ingest.py [--db sqlite|postgres|both] [--seconds 10] [--json]
         [--no-alertmanager] [--no-bare] [--one-process] [--processes N]
         [--profile]   (py-spy on warroom under load, then cProfile of ingest.apply:
                        see bench/ingest_profile.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from loopback import free_port
from machine import machine

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "ingest_wrk.lua"
WORK = Path("/tmp/wr-ingest-bench")
PG_DIR = Path("/tmp/wr-bench-pg5")
PG_PORT = 54345
PG_DB = "warroom_ingest_bench"
ALERTMANAGER = Path("/usr/bin/prometheus-alertmanager")

CONNECTIONS = 32
WRK_THREADS = 1  # one wrk thread leaves the second core to the server; it is far from busy
BATCH = 100
PACED_RATE = 1_000  # requests (= alerts) per second for the latency run
GRACE_S = 10.0  # how long the latency run waits for late answers after its last send
STARTED_AT = "2026-11-23T08:00:00Z"
AM = "Alertmanager"
BARE = "bare uvicorn"  # the floor: bench/ingest_bare.py

GOAL_SINGLE = 4_000.0  # single-alert webhooks/s, SQLite
GOAL_BATCH = 15_000.0  # alerts/s in requests of 100, SQLite
GOAL_REPEAT = 1.0  # repeat req/s ÷ new req/s
GOAL_P99_MS = 50.0  # at PACED_RATE


# --- what a run measured ----------------------------------------------------------------


@dataclass
class Load:
    """One wrk run: as many requests as the server takes on CONNECTIONS connections."""

    per_request: int
    requests: int  # answered
    status_errors: int  # answered, but not 2xx/3xx
    unanswered: int  # connect/read/write errors and timeouts
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu: float  # the server's CPU time ÷ wall time (1.0 = one core)
    db_cpu: float  # its PostgreSQL's, the same way (0 for SQLite and Alertmanager)
    loadgen_cpu: float  # wrk's, the same way
    others_cpu: float  # every other process on the machine, the same way

    @property
    def accepted(self) -> int:
        return self.requests - self.status_errors

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    @property
    def alert_rate(self) -> float:
        return self.rate * self.per_request


@dataclass
class Paced:
    """The fixed-rate run: latency of each request from the moment it was due."""

    planned: int
    sent: int
    ok: int
    failed: int  # answered, not 2xx, or the connection broke
    missing: int  # never sent or never answered within GRACE_S
    p50_ms: float
    p99_ms: float  # math.inf when more than 1 % never came back
    max_ms: float
    server_cpu: float
    db_cpu: float
    loadgen_cpu: float
    others_cpu: float


@dataclass
class Check:
    """Did the database end up with what the server said it accepted?"""

    run: str
    low: int  # alerts accepted for sure (2xx)
    high: int  # … plus those of requests still in flight when the load stopped
    committed: int

    @property
    def ok(self) -> bool:
        return self.low <= self.committed <= self.high


@dataclass
class SystemResult:
    name: str  # warroom/SQLite, warroom/PostgreSQL, Alertmanager
    url: str
    single: Load
    batch: Load
    paced: Paced
    hook_batch: Load | None = None
    repeat_new: Load | None = None
    repeat: Load | None = None
    checks: list[Check] = field(default_factory=list)
    incidents: int | None = None
    rss_mb: float | None = None


# --- processes ---------------------------------------------------------------------------


def stop(process: subprocess.Popen[bytes]) -> None:
    """End one process we started, by its PID: TERM, then KILL after 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def started(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=clean_env())
    try:
        yield process
    finally:
        stop(process)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} process exited ({process.returncode}); see {log}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within 60 s; see {log}")


def stat_fields(pid: int | str) -> list[str]:
    """/proc/PID/stat from field 3 (state) on: ppid is [1], utime [11], stime [12]."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def children_of(pid: int) -> list[str]:
    """The live children of a process (for `warroom serve --processes N`: its servers)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if stat_fields(proc.name)[1] == str(pid):
                found.append(proc.name)
        except OSError:  # it just ended
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) and of its live children."""
    ticks = 0
    for each in [str(pid), *children_of(pid)]:
        fields = stat_fields(each)
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu(data_dir: Path) -> float:
    """CPU time of a PostgreSQL server: the postmaster, its live children, and the
    children it has already reaped (cutime/cstime)."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    fields = stat_fields(postmaster)
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return cpu_seconds(postmaster) + reaped


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its live children."""
    total = 0
    for each in [str(pid), *children_of(pid)]:
        for row in Path(f"/proc/{each}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                total += int(row.split()[1])
    return total / 1024


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> float:
    """CPU seconds every process on the machine has used since boot (all cores)."""
    jiffies = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = jiffies[3] + jiffies[4]  # idle + iowait
    return (sum(jiffies[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used during a run by the server, its database, the load generator and everything
    else, each as CPU seconds ÷ wall seconds (1.0 = one core busy)."""

    def __init__(self, target: Target, loadgen: Callable[[], float]) -> None:
        self.target = target
        self.loadgen = loadgen  # the load generator's CPU seconds so far
        self.start = (0.0, 0.0, 0.0, 0.0, 0.0)
        self.wall = self.server = self.db = self.loadgen_share = self.others = 0.0

    def _db(self) -> float:
        return postgres_cpu(self.target.db_dir) if self.target.db_dir else 0.0

    def __enter__(self) -> CpuMeter:
        self.start = (
            time.monotonic(),
            cpu_seconds(self.target.pid),
            self._db(),
            self.loadgen(),
            machine_cpu(),
        )
        return self

    def __exit__(self, *_: object) -> None:
        wall, server, db, loadgen, total = self.start
        self.wall = time.monotonic() - wall
        self.server = (cpu_seconds(self.target.pid) - server) / self.wall
        self.db = (self._db() - db) / self.wall
        self.loadgen_share = (self.loadgen() - loadgen) / self.wall
        ours = self.server + self.db + self.loadgen_share
        self.others = max(0.0, (machine_cpu() - total) / self.wall - ours)


def ensure_tools() -> None:
    missing = [
        pkg
        for pkg, path in (
            ("wrk", shutil.which("wrk")),
            ("prometheus-alertmanager", ALERTMANAGER.exists() or None),
        )
        if not path
    ]
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-q", *missing],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )


# --- the systems under test --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    pid: int
    port: int
    path: str  # where alerts go
    body_format: str  # generic | am | amhook (see bench/ingest_wrk.lua)
    hook_path: str | None = None  # warroom's Alertmanager-webhook endpoint
    db_dir: Path | None = None  # PostgreSQL's data directory, to count its CPU

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


def create_integration(db_url: str, name: str, kind: str) -> str:
    command = [
        str(BIN / "warroom"),
        "integration",
        "create",
        name,
        "--kind",
        kind,
        "--json",
        "--db",
        db_url,
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=clean_env())
    return str(json.loads(done.stdout)["key"])


# The bench measures how much intake takes in, not the per-integration rate limiter.
WARROOM_CONFIG = "[security]\nintegration_rate = 0\n"


@contextmanager
def warroom(
    db_url: str, workdir: Path, db_dir: Path | None = None, serve_args: tuple[str, ...] = ()
) -> Iterator[Target]:
    generic = create_integration(db_url, "bench-generic", "generic")
    hook = create_integration(db_url, "bench-alertmanager", "alertmanager")
    port = free_port()
    log = workdir / "warroom.log"
    config = workdir / "warroom.toml"
    config.write_text(WARROOM_CONFIG)
    command = [str(BIN / "warroom"), "serve", "--port", str(port), "--db", db_url]
    command += ["--config", str(config), *serve_args]
    with started(command, log) as process:
        wait_ready(process, f"http://127.0.0.1:{port}/readyz", log)
        yield Target(
            process.pid,
            port,
            f"/api/v1/ingest/{generic}/generic",
            "generic",
            f"/api/v1/ingest/{hook}/alertmanager",
            db_dir,
        )


AM_CONFIG = """\
route:
  receiver: blackhole
  group_by: [alertname, service]
receivers:
  - name: blackhole
"""


@contextmanager
def alertmanager(workdir: Path) -> Iterator[Target]:
    config = workdir / "alertmanager.yml"
    config.write_text(AM_CONFIG)
    port = free_port()
    log = workdir / "alertmanager.log"
    command = [
        str(ALERTMANAGER),
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        f"--storage.path={workdir / 'am-data'}",
        f"--config.file={config}",
        "--log.level=warn",
    ]
    with started(command, log) as process:
        wait_ready(process, f"http://127.0.0.1:{port}/-/ready", log)
        yield Target(process.pid, port, "/api/v2/alerts", "am")


@contextmanager
def bare_uvicorn(workdir: Path) -> Iterator[Target]:
    """bench/ingest_bare.py: uvicorn and orjson, no warroom, no database."""
    port = free_port()
    log = workdir / "bare.log"
    command = [
        str(BIN / "uvicorn"),
        "--app-dir",
        str(ROOT / "bench"),
        "ingest_bare:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with started(command, log) as process:
        wait_ready(process, f"http://127.0.0.1:{port}/", log)
        yield Target(process.pid, port, "/api/v1/ingest/key/generic", "generic")


def alertmanager_version() -> str:
    done = subprocess.run(
        [str(ALERTMANAGER), "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(r"version (\S+)", done.stdout + done.stderr)
    return found.group(1) if found else "?"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL (scripts/pg) with a fresh database; stopped afterwards."""
    pg = str(ROOT / "scripts" / "pg")
    try:
        out = subprocess.run(
            [pg, "start", str(PG_DIR), str(PG_PORT)], check=True, capture_output=True, text=True
        ).stdout
        superuser = out.strip().rpartition("WARROOM_PG_URL=")[2]
        admin = create_engine(superuser, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {PG_DB}"))
        admin.dispose()
        yield superuser.rpartition("/")[0] + f"/{PG_DB}"
    finally:
        subprocess.run([pg, "stop", str(PG_DIR)], check=False)


def fresh_sqlite(workdir: Path) -> str:
    path = workdir / "warroom.sqlite"
    for stale in workdir.glob("warroom.sqlite*"):
        stale.unlink()
    return f"sqlite:///{path}"


# --- load: wrk for throughput ------------------------------------------------------------


def run_wrk(
    target: Target,
    *,
    per: int,
    prefix: str,
    seconds: int,
    keyspace: int = 0,
    path: str | None = None,
    body_format: str | None = None,
) -> Load:
    url = f"http://127.0.0.1:{target.port}{path or target.path}"
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        body_format or target.body_format,
        str(per),
        prefix,
        str(keyspace),
        STARTED_AT,
    ]
    with CpuMeter(target, children_cpu) as cpu:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=True
        )
    line = next((row for row in done.stdout.splitlines() if row.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    out = json.loads(line.removeprefix("WRK_JSON "))
    return Load(
        per_request=per,
        requests=out["requests"],
        status_errors=out["status"],
        unanswered=out["connect"] + out["read"] + out["write"] + out["timeout"],
        seconds=out["duration_us"] / 1e6,
        p50_ms=out["p50_us"] / 1e3,
        p99_ms=out["p99_us"] / 1e3,
        server_cpu=cpu.server,
        db_cpu=cpu.db,
        loadgen_cpu=cpu.loadgen_share,
        others_cpu=cpu.others,
    )


# --- load: an open-loop client at a fixed rate for latency ------------------------------


def generic_alert(prefix: str, n: int) -> dict[str, Any]:
    """Alert n as bench/ingest_wrk.lua builds it (wrk thread 1)."""
    return {
        "summary": f"High error rate on host-{n}",
        "dedup_key": f"{prefix}-1-{n}",
        "service": f"svc{n // 50 % 10}",
        "severity": "warning",
        "source": f"host-{n}",
        "started_at": STARTED_AT,
        "labels": {"alertname": f"BenchAlert{n % 50}", "instance": f"host-{n}", "team": "core"},
    }


def am_alert(prefix: str, n: int) -> dict[str, Any]:
    return {
        "labels": {
            "alertname": f"BenchAlert{n % 50}",
            "service": f"svc{n // 50 % 10}",
            "instance": f"host-{n}",
            "severity": "warning",
            "team": "core",
            "dedup": f"{prefix}-1-{n}",
        },
        "annotations": {"summary": f"High error rate on host-{n}"},
        "startsAt": STARTED_AT,
        "generatorURL": "http://prometheus.bench/graph",
    }


def paced_requests(target: Target, prefix: str, count: int) -> list[bytes]:
    head = (
        f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1:{target.port}\r\n"
        "Content-Type: application/json\r\n"
    )
    requests = []
    for n in range(1, count + 1):
        alert: Any = (
            generic_alert(prefix, n) if target.body_format == "generic" else [am_alert(prefix, n)]
        )
        body = json.dumps(alert, separators=(",", ":")).encode()
        requests.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return requests


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads the answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.decode("latin-1").lower()
        length = re.search(r"\r\ncontent-length: *(\d+)", headers)
        if length:
            await self.reader.readexactly(int(length.group(1)))
        elif "transfer-encoding: chunked" in headers:
            await self._chunks()
        return status

    async def _chunks(self) -> None:
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            await self.reader.readexactly(size + 2)
            if size == 0:
                return

    def close(self) -> None:
        self.writer.close()


def now() -> float:
    """The client's clock: the event loop's may tick in whole milliseconds (uvloop)."""
    return time.perf_counter()


class PacedClient:
    """Send request i at start + i/rate on a free connection (up to CONNECTIONS)."""

    def __init__(self, port: int, rate: float) -> None:
        self.port, self.rate = port, rate
        self.free: asyncio.Queue[Connection] = asyncio.Queue()
        self.opened = 0
        self.sent = 0
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()

    async def _connection(self, until: float) -> Connection | None:
        if not self.free.empty() or self.opened >= CONNECTIONS:
            try:
                return await asyncio.wait_for(self.free.get(), max(0.0, until - now()))
            except TimeoutError:
                return None
        self.opened += 1
        try:
            return await Connection.open(self.port)
        except OSError:
            self.opened -= 1
            self.statuses["connect error"] += 1
            return None

    async def _send(self, conn: Connection, request: bytes, due: float) -> None:
        try:
            status = await conn.exchange(request)
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.statuses["broken connection"] += 1
            self.opened -= 1
            conn.close()
            return
        self.latencies.append(now() - due)
        self.statuses[str(status)] += 1
        self.free.put_nowait(conn)

    async def run(self, requests: list[bytes]) -> None:
        for _ in range(4):  # warm connections, as a real sender keeps them
            self.free.put_nowait(await Connection.open(self.port))
            self.opened += 1
        start = now() + 0.05
        give_up = start + len(requests) / self.rate + GRACE_S
        tasks: set[asyncio.Task[None]] = set()
        for i, request in enumerate(requests):
            due = start + i / self.rate
            if due > now():
                await asyncio.sleep(due - now())
            conn = await self._connection(give_up)
            if conn is None:
                break
            self.sent += 1
            task = asyncio.create_task(self._send(conn, request, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(set(tasks), timeout=max(0.0, give_up - now()))
        for task in list(tasks):
            task.cancel()
        while not self.free.empty():
            self.free.get_nowait().close()


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return math.inf
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


def run_paced(target: Target, *, prefix: str, seconds: int, rate: float = PACED_RATE) -> Paced:
    requests = paced_requests(target, prefix, int(rate * seconds))
    client = PacedClient(target.port, rate)
    with (
        CpuMeter(target, time.process_time) as cpu,
        asyncio.Runner(loop_factory=event_loop_factory()) as runner,
    ):
        runner.run(client.run(requests))
    ok = sum(n for status, n in client.statuses.items() if status.startswith("2"))
    answered = sum(client.statuses.values())
    missing = len(requests) - answered
    latencies = sorted(x * 1000 for x in client.latencies) + [math.inf] * missing
    return Paced(
        planned=len(requests),
        sent=client.sent,
        ok=ok,
        failed=answered - ok,
        missing=missing,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=latencies[-1] if latencies else math.inf,
        server_cpu=cpu.server,
        db_cpu=cpu.db,
        loadgen_cpu=cpu.loadgen_share,
        others_cpu=cpu.others,
    )


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with uvicorn[standard]): less client overhead."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


# --- checking what was committed ---------------------------------------------------------


class Ledger:
    """Reads the alerts table: rows and their dedup counts, by dedup-key prefix."""

    def __init__(self, db_url: str) -> None:
        self.engine: Engine = create_engine(db_url)

    def alerts(self, prefix: str) -> tuple[int, int]:
        """(rows, sum of counts) of the alerts whose dedup key starts with `prefix-`."""
        with self.engine.connect() as conn:
            rows, counts = conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(count), 0) FROM alerts "
                    "WHERE dedup_key LIKE :pattern"
                ),
                {"pattern": f"{prefix}-%"},
            ).one()
        return int(rows), int(counts)

    def settled(self, prefix: str) -> tuple[int, int]:
        """Wait for the writer to finish the requests still in flight when the load stopped."""
        last = self.alerts(prefix)
        for _ in range(30):
            time.sleep(0.5)
            now = self.alerts(prefix)
            if now == last:
                return now
            last = now
        return last

    def incidents(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM incidents")).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()


def load_check(run: str, load: Load, committed: int) -> Check:
    low = load.accepted * load.per_request
    in_flight = (CONNECTIONS + load.unanswered + load.status_errors) * load.per_request
    return Check(run, low, low + in_flight, committed)


def alertmanager_received(target: Target) -> int:
    """Alertmanager's own count of alerts accepted through the v2 API."""
    body = httpx.get(f"http://127.0.0.1:{target.port}/metrics", timeout=10).text
    found = re.search(
        r'^alertmanager_alerts_received_total\{status="firing",version="v2"\} (\S+)$',
        body,
        re.MULTILINE,
    )
    return int(float(found.group(1))) if found else -1


# --- the scenarios -----------------------------------------------------------------------


def log_run(system: str, run: str, figure: str) -> None:
    print(f"  {system:<19} {run:<34} {figure}", file=sys.stderr, flush=True)


def bench_warroom(
    name: str,
    db_url: str,
    seconds: int,
    workdir: Path,
    profile: Callable[[Target], None] | None = None,
    db_dir: Path | None = None,
    serve_args: tuple[str, ...] = (),
) -> SystemResult:
    ledger = Ledger(db_url)
    try:
        with warroom(db_url, workdir, db_dir, serve_args) as server:
            result = warroom_scenarios(name, db_url, server, ledger, seconds)
            result.incidents = ledger.incidents()
            result.rss_mb = rss_mb(server.pid)
            if profile is not None:
                profile(server)
        return result
    finally:
        ledger.dispose()


def new_keys(
    name: str,
    server: Target,
    ledger: Ledger,
    run: str,
    prefix: str,
    seconds: int,
    checks: list[Check],
    per: int = 1,
    **wrk: Any,
) -> Load:
    load = run_wrk(server, per=per, prefix=prefix, seconds=seconds, **wrk)
    checks.append(load_check(run, load, ledger.settled(prefix)[0]))
    log_run(name, run, f"{load.rate:,.0f} req/s, {load.alert_rate:,.0f} alerts/s")
    return load


def warroom_scenarios(
    name: str, db_url: str, server: Target, ledger: Ledger, seconds: int
) -> SystemResult:
    checks: list[Check] = []
    single = new_keys(name, server, ledger, "(a) single, new keys", "a", seconds, checks)
    batch = new_keys(name, server, ledger, "(b) batch of 100", "b", seconds, checks, per=BATCH)
    hook = new_keys(
        name,
        server,
        ledger,
        "(b') batch of 100, AM webhook",
        "h",
        seconds,
        checks,
        per=BATCH,
        path=server.hook_path,
        body_format="amhook",
    )
    fresh = new_keys(name, server, ledger, "(c) new keys", "c", seconds, checks)
    before = ledger.settled("c")[1]
    keyspace = max(1, fresh.accepted // WRK_THREADS - CONNECTIONS)  # surely committed keys
    repeat = run_wrk(server, per=1, prefix="c", seconds=seconds, keyspace=keyspace)
    checks.append(load_check("(c) repeats", repeat, ledger.settled("c")[1] - before))
    log_run(name, "(c) repeats of known keys", f"{repeat.rate:,.0f} req/s")
    paced = run_paced(server, prefix="d", seconds=seconds)
    rows = ledger.settled("d")[0]
    checks.append(Check("(d) fixed rate", paced.ok, paced.sent, rows))
    log_run(name, f"(d) {PACED_RATE:,} req/s", f"p50 {ms(paced.p50_ms)}, p99 {ms(paced.p99_ms)}")
    return SystemResult(
        name,
        db_url,
        single,
        batch,
        paced,
        hook_batch=hook,
        repeat_new=fresh,
        repeat=repeat,
        checks=checks,
    )


def bench_reference(
    name: str, url: str, target: Target, seconds: int, received: Callable[[], int] | None
) -> SystemResult:
    """(a), (b) and (d) against a system other than warroom; `received` counts what it took
    in, when it can tell."""
    checks: list[Check] = []
    loads = []
    for run, prefix, per in (("(a) single, new keys", "a", 1), ("(b) batch of 100", "b", BATCH)):
        before = received() if received else 0
        load = run_wrk(target, per=per, prefix=prefix, seconds=seconds)
        if received:
            checks.append(load_check(run, load, received() - before))
        log_run(name, run, f"{load.rate:,.0f} req/s, {load.alert_rate:,.0f} alerts/s")
        loads.append(load)
    before = received() if received else 0
    paced = run_paced(target, prefix="d", seconds=seconds)
    if received:
        checks.append(Check("(d) fixed rate", paced.ok, paced.sent, received() - before))
    log_run(name, f"(d) {PACED_RATE:,} req/s", f"p50 {ms(paced.p50_ms)}, p99 {ms(paced.p99_ms)}")
    return SystemResult(
        name, url, loads[0], loads[1], paced, checks=checks, rss_mb=rss_mb(target.pid)
    )


def bench_alertmanager(seconds: int, workdir: Path) -> SystemResult:
    with alertmanager(workdir) as am:
        return bench_reference(
            AM,
            f"alertmanager {alertmanager_version()}",
            am,
            seconds,
            lambda: alertmanager_received(am),
        )


def bench_bare(seconds: int, workdir: Path) -> SystemResult:
    with bare_uvicorn(workdir) as bare:
        return bench_reference(BARE, "bench/ingest_bare.py", bare, seconds, None)


# --- the report --------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs or math.isinf(ours) or math.isinf(theirs):
        return "-"
    return f"{ours / theirs:.2f}x"


def ms(value: float) -> str:
    return f">{GRACE_S:.0f} s" if math.isinf(value) else f"{value:.1f} ms"


@dataclass(frozen=True)
class Row:
    scenario: str
    figure: Callable[[SystemResult], float | None]  # None: not measured for this system
    shown: Callable[[float], str]
    goal: str
    passes: Callable[[SystemResult], bool] | None  # None: no goal


def rows() -> list[Row]:
    def per_s(unit: str) -> Callable[[float], str]:
        return lambda v: f"{v:,.0f} {unit}"

    def repeat_ratio(r: SystemResult) -> float | None:
        if r.repeat is None or r.repeat_new is None:
            return None
        return r.repeat.rate / r.repeat_new.rate

    return [
        Row(
            "(a) single-alert webhooks, new keys",
            lambda r: r.single.rate,
            per_s("req/s"),
            f">= {GOAL_SINGLE:,.0f} req/s",
            lambda r: r.single.rate >= GOAL_SINGLE,
        ),
        Row(
            "(b) batch form, 100 alerts/request",
            lambda r: r.batch.alert_rate,
            per_s("alerts/s"),
            f">= {GOAL_BATCH:,.0f} alerts/s",
            lambda r: r.batch.alert_rate >= GOAL_BATCH,
        ),
        Row(
            "(b') batch, Alertmanager webhook body",
            lambda r: r.hook_batch.alert_rate if r.hook_batch else None,
            per_s("alerts/s"),
            "-",
            None,
        ),
        Row(
            "(c) new keys (same run conditions)",
            lambda r: r.repeat_new.rate if r.repeat_new else None,
            per_s("req/s"),
            "-",
            None,
        ),
        Row(
            "(c) repeats of known keys",
            lambda r: r.repeat.rate if r.repeat else None,
            per_s("req/s"),
            "-",
            None,
        ),
        Row(
            "(c) repeat ÷ new",
            repeat_ratio,
            lambda v: f"{v:.2f}x",
            f">= {GOAL_REPEAT:.1f}x",
            lambda r: (repeat_ratio(r) or 0) >= GOAL_REPEAT,
        ),
        Row(f"(d) p50 at {PACED_RATE:,} alerts/s", lambda r: r.paced.p50_ms, ms, "-", None),
        Row(
            f"(d) p99 at {PACED_RATE:,} alerts/s",
            lambda r: r.paced.p99_ms,
            ms,
            f"< {GOAL_P99_MS:.0f} ms",
            lambda r: r.paced.p99_ms < GOAL_P99_MS,
        ),
        Row(
            "accepted alerts all committed",
            lambda r: float(all(c.ok for c in r.checks)),
            lambda v: "yes" if v else "NO",
            "all",
            lambda r: all(c.ok for c in r.checks),
        ),
    ]


def table(results: list[SystemResult]) -> str:
    ours = [r for r in results if r.name.startswith("warroom/")]
    am = next((r for r in results if r.name == AM), None)
    bare = next((r for r in results if r.name == BARE), None)
    head = [
        "scenario",
        *(r.name for r in ours),
        AM,
        *([BARE] if bare else []),
        *(f"{short(r.name)} ÷ AM" for r in ours),
        "goal",
        *(short(r.name) for r in ours),
    ]
    lines = [head] + [table_line(row, ours, am, bare) for row in rows()]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def table_line(
    row: Row, ours: list[SystemResult], am: SystemResult | None, bare: SystemResult | None
) -> list[str]:
    def shown(result: SystemResult | None) -> str:
        figure = row.figure(result) if result else None
        return row.shown(figure) if figure is not None else "-"

    theirs = row.figure(am) if am else None
    ratios = []
    for r in ours:
        figure = row.figure(r)
        if "committed" in row.scenario or "÷" in row.scenario:
            ratios.append("-")
        elif "p50" in row.scenario or "p99" in row.scenario:  # lower is better
            ratios.append(ratio(theirs, figure))
        else:
            ratios.append(ratio(figure, theirs))
    return [
        row.scenario,
        *(shown(r) for r in ours),
        shown(am),
        *([shown(bare)] if bare else []),
        *ratios,
        row.goal,
        *(verdict(row.passes(r)) if row.passes else "" for r in ours),
    ]


def cpu_note(run: Load | Paced) -> str:
    db = f" +db {run.db_cpu:.2f}" if run.db_cpu else ""
    return f"CPU {run.server_cpu:.2f}{db}"


def efficiency(load: Load) -> str:
    spent = load.server_cpu + load.db_cpu
    return f"{load.alert_rate / spent:,.0f} alerts/CPU-s" if spent else ""


def short(name: str) -> str:
    return {"warroom/SQLite": "SQLite", "warroom/PostgreSQL": "PG"}.get(name, name)


def details(results: list[SystemResult]) -> str:
    out = [
        "runs (CPU: the server's CPU time ÷ wall time, 1.00 = one core; +db: its PostgreSQL's; "
        "wrk/client: the load generator's; others: every other process on the machine; "
        "alerts/CPU-s: alerts taken in per CPU second of server and database):"
    ]
    for r in results:
        named: list[tuple[str, Load | None]] = [
            ("(a) single", r.single),
            ("(b) batch", r.batch),
            ("(b') AM webhook", r.hook_batch),
            ("(c) new", r.repeat_new),
            ("(c) repeat", r.repeat),
        ]
        for run, load in named:
            if load is not None:
                out.append(
                    f"  {r.name:<19} {run:<16} {load.accepted:>8,} req {load.seconds:5.1f} s "
                    f"{load.rate:>8,.0f} req/s  wrk p50 {load.p50_ms:6.1f} ms p99 "
                    f"{load.p99_ms:7.1f} ms  non-2xx {load.status_errors}  lost "
                    f"{load.unanswered}  {cpu_note(load)}  wrk {load.loadgen_cpu:.2f}  "
                    f"others {load.others_cpu:.2f}  {efficiency(load)}"
                )
        p = r.paced
        out.append(
            f"  {r.name:<19} {'(d) fixed rate':<16} {p.ok:>8,} ok of {p.planned:,}  "
            f"failed {p.failed}  missing {p.missing}  p50 {ms(p.p50_ms)}  p99 "
            f"{ms(p.p99_ms)}  max {ms(p.max_ms)}  {cpu_note(p)}  client "
            f"{p.loadgen_cpu:.2f}  others {p.others_cpu:.2f}"
        )
        extra = [
            f"RSS {r.rss_mb:.0f} MB" if r.rss_mb else "",
            f"{r.incidents} incidents" if r.incidents is not None else "",
        ]
        out.append(f"  {r.name:<19} {' · '.join(x for x in extra if x)}")
    out.append("commit checks (accepted ≤ committed ≤ accepted + in flight at the stop):")
    for r in results:
        for c in r.checks:
            out.append(
                f"  {r.name:<19} {c.run:<30} accepted {c.low:>9,}  committed "
                f"{c.committed:>9,}  (≤ {c.high:,})  {'ok' if c.ok else 'MISMATCH'}"
            )
    return "\n".join(out)


def serve_args(args: argparse.Namespace) -> tuple[str, ...]:
    """How warroom is started: `warroom serve --split` unless --one-process (the split
    only changes anything on SQLite)."""
    return ("--processes", str(args.processes), *(() if args.one_process else ("--split",)))


def header(command: str, box: dict[str, Any], when: datetime, seconds: int) -> str:
    return (
        f"command: {command}\n"
        f"machine: {box['cpus']} CPUs ({box['cpu_model']}), {box['memory_gb']} GB RAM, "
        f"Python {box['python']}, Linux {box['kernel']}\n"
        f"date:    {when:%Y-%m-%d %H:%M} UTC\n"
        f"load:    wrk {WRK_THREADS} thread, {CONNECTIONS} keep-alive connections, {seconds} s "
        f"a run, 127.0.0.1; (d): open-loop asyncio client, {PACED_RATE:,} req/s for {seconds} s; "
        "one system running at a time\n"
        f"{BARE}: bench/ingest_bare.py, reads and parses the body with orjson and answers 202 "
        "(no warroom, no database): the floor\n"
        "alerts:  50 alertnames x 10 services (500 groups), distinct dedup keys unless repeats"
    )


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10, help="length of each run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-alertmanager", action="store_true", help="skip Alertmanager")
    parser.add_argument(
        "--no-bare", action="store_true", help="skip the bare uvicorn endpoint (the floor)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="warroom server processes (warroom serve --processes N)",
    )
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="warroom serve without --split (SQLite: writer and worker in the server process)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile warroom/SQLite (py-spy) and ingest.apply (cProfile)",
    )
    return parser.parse_args(argv)


def profile_under_load(seconds: int, label: str) -> Callable[[Target], None]:
    import ingest_profile  # bench/ingest_profile.py

    def profile(server: Target) -> None:
        ingest_profile.under_load(
            server,
            seconds,
            lambda prefix, per: run_wrk(server, per=per, prefix=prefix, seconds=seconds),
            label,
            WORK,
        )

    return profile


def run(args: argparse.Namespace, workdir: Path) -> list[SystemResult]:
    ensure_tools()
    results = []

    def profiler(label: str) -> Callable[[Target], None] | None:
        return profile_under_load(args.seconds, label) if args.profile else None

    if not args.no_alertmanager:
        results.append(bench_alertmanager(args.seconds, workdir))
    if not args.no_bare:
        results.append(bench_bare(args.seconds, workdir))
    if args.db in ("sqlite", "both"):
        results.append(
            bench_warroom(
                "warroom/SQLite",
                fresh_sqlite(workdir),
                args.seconds,
                workdir,
                profiler("sqlite"),
                serve_args=serve_args(args),
            )
        )
    if args.db in ("postgres", "both"):
        with postgres_database() as url:
            results.append(
                bench_warroom(
                    "warroom/PostgreSQL",
                    url,
                    args.seconds,
                    workdir,
                    profiler("postgres"),
                    db_dir=PG_DIR / "data",
                    serve_args=serve_args(args),
                )
            )
    if args.profile:
        import ingest_profile

        ingest_profile.in_process(WORK)
    return results


def busiest_others(results: list[SystemResult]) -> float:
    loads: list[Load | Paced | None] = []
    for r in results:
        loads += [r.single, r.batch, r.hook_batch, r.repeat_new, r.repeat, r.paced]
    return max((x.others_cpu for x in loads if x is not None), default=0.0)


def contention_note(results: list[SystemResult]) -> str:
    worst = busiest_others(results)
    if worst < 0.25:
        return f"machine: quiet during the runs (other processes used at most {worst:.2f} core)"
    return (
        f"WARNING: other processes used up to {worst:.2f} of the {os.cpu_count()} cores "
        "during a run (see `others` below): these figures are lower than on an idle box"
    )


def summary(results: list[SystemResult]) -> list[dict[str, Any]]:
    out = []
    for row in rows():
        figures = {r.name: finite(row.figure(r)) for r in results}
        verdicts = {
            r.name: verdict(row.passes(r))
            for r in results
            if row.passes and r.name.startswith("warroom/")
        }
        out.append(
            {"scenario": row.scenario, "figures": figures, "goal": row.goal, "verdicts": verdicts}
        )
    return out


def finite(value: Any) -> Any:
    """JSON has no infinity: a latency that never came back is null."""
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join([".venv/bin/python", "bench/ingest.py", *sys.argv[1:]])
    when = datetime.now(UTC)
    load_before = Path("/proc/loadavg").read_text().split()[0]
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        results = run(args, Path(tmp))
    if args.json:
        print(
            json.dumps(
                finite(
                    {
                        "command": command,
                        "machine": machine(),
                        "date": when.isoformat(),
                        "load_average_before": float(load_before),
                        "others_cpu_max": busiest_others(results),
                        "summary": summary(results),
                        "results": [asdict(r) for r in results],
                    }
                ),
                indent=2,
                default=str,
            )
        )
    else:
        print(header(command, machine(), when, args.seconds))
        print(f"warroom: warroom serve {' '.join(serve_args(args))}")
        print(f"{contention_note(results)}; load average before the run {load_before}")
        print()
        print(table(results))
        print(
            "(ratios: warroom ÷ Alertmanager for throughput, Alertmanager ÷ warroom for "
            "latency: above 1 means warroom does better)"
        )
        print()
        print(details(results))
    return 0 if all(c.ok for r in results for c in r.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
