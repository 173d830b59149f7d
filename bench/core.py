"""Core platform benchmark: list, fetch and declare incidents over HTTP on a big database.

Seeds a fresh SQLite and/or PostgreSQL database with many incidents and their timelines,
starts the real `warroom serve`, and measures on loopback:

- spawn → first 200 from /healthz, over several starts (the median is judged: one start
  varies by ±25 % on this shared VM);
- p50/p95/p99 of `GET /api/v1/incidents?status=open&limit=50` (also filtered by severity),
  `GET /api/v1/incidents/{id}` (random ids; the incident plus its timeline) and
  `POST /api/v1/incidents`;
- the server's CPU time per request, and the server's resident memory after the run.

The machine may be shared, so each phase also reports how much CPU other processes used
meanwhile (everything but this script, the server and the benchmark's PostgreSQL).

Run: .venv/bin/python bench/core.py [--db sqlite|postgres|both] [--incidents 100000]
         [--events-per-incident 10] [--requests 500] [--starts 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from loopback import Answer, Loopback, free_port
from machine import machine as shared_machine
from warroom.db.engine import open_database
from warroom.db.migrate import upgrade
from warroom.db.models import Event, Incident
from warroom.domain.incidents import OPEN_STATUSES, ORDER, Status

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SQLITE_PATH = Path("/tmp/wr-bench.sqlite")
PG_DIR = Path("/tmp/wr-bench-pg")
PG_PORT = 54339
PG_DB = "warroom_bench"
PG_URL = f"postgresql+psycopg://warroom@127.0.0.1:{PG_PORT}/{PG_DB}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

BATCH = 5_000  # incidents per transaction (their events go with them)
OPEN_PER_100K = 300  # a few hundred open incidents; everything else resolved or closed
SEVERITIES = ("P0", "P1", "P2", "P3")
SEVERITY_WEIGHTS = (2, 10, 38, 50)
SERVICES = ("api", "web", "payments", "auth", "search", "billing", "mobile", "db", "queue", None)
SYMPTOMS = ("5xx spike", "latency above SLO", "login failures", "stuck jobs", "disk full")
ACTORS = ("alice", "bob", "charlie", "dana", "erin", "alertmanager")
FILLER_KINDS = ("update", "update", "note", "role")
UPDATE_TEXT = "We are still looking into elevated error rates; next update in 30 minutes. " * 2
HISTORY = timedelta(days=3 * 365)
STEP = timedelta(minutes=7)  # between one timeline event and the next
LATENESS = tuple(timedelta(seconds=s) for s in (0, 0, 1, 30))  # recorded_at - at

GOALS_MS = {"list_open": 20.0, "list_open_p1": 20.0, "show": 20.0, "declare": 10.0}
GOAL_START_S = 2.0
GOAL_RSS_MB = 150.0
WARM_UP = 50


# --- seeding -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    incidents: int
    events: int
    open: int
    seconds: float


def open_ids(rng: random.Random, count: int) -> dict[int, Status]:
    """Open incidents: most among the newest 1%, some old ones left lingering."""
    wanted = max(1, count * OPEN_PER_100K // 100_000)
    recent = range(max(1, count - max(count // 100, wanted)) + 1, count + 1)
    ids = set(rng.sample(recent, min(len(recent), wanted * 4 // 5)))
    while len(ids) < wanted:
        ids.add(rng.randint(1, count))
    return {i: rng.choice(OPEN_STATUSES) for i in ids}


def lifecycle(status: Status) -> list[Status]:
    """The statuses an incident passed through to reach `status` (after triggered)."""
    return ORDER[1 : ORDER.index(status) + 1]


def incident_row(
    incident_id: int, status: Status, declared: datetime, rng: random.Random
) -> dict[str, Any]:
    reached = lifecycle(status)

    def at(stage: Status) -> datetime | None:
        return declared + STEP * (reached.index(stage) + 1) if stage in reached else None

    service = rng.choice(SERVICES)
    return {
        "id": incident_id,
        "title": f"{service or 'platform'}: {rng.choice(SYMPTOMS)}",
        "summary": f"Seeded incident {incident_id}.",
        "impact": "Some users see errors." if incident_id % 2 else "",
        "severity": rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0],
        "status": status.value,
        "source": ("manual", "alert", "alert", "check")[incident_id % 4],
        "service": service,
        "channel": f"incident-{declared:%Y-%m-%d}-{incident_id}",
        "commander": ACTORS[incident_id % 5],
        "comms": None,
        "scribe": None,
        "responders": f"{ACTORS[(incident_id + 1) % 5]}\n{ACTORS[(incident_id + 2) % 5]}",
        "declared_at": declared,
        "acknowledged_at": at(Status.ACKNOWLEDGED),
        "mitigated_at": at(Status.MONITORING),
        "resolved_at": at(Status.RESOLVED),
        "closed_at": at(Status.CLOSED),
        "ack_due_at": declared + timedelta(minutes=15),
        "next_update_due_at": None,
        "postmortem_due_at": None,
        "escalation_level": 0,
        "version": len(reached) + 1,
        "updated_at": at(status) or declared,
    }


def event_data(incident: dict[str, Any], kind: str, n: int) -> dict[str, Any]:
    if kind == "declared":
        return {"severity": incident["severity"], "service": incident["service"]}
    if kind == "status":
        return {"from": ORDER[n - 1].value, "to": ORDER[n].value}
    return {}


def timeline_rows(incident: dict[str, Any], count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` events: declared, each status reached, and updates or notes in between."""
    moves = len(lifecycle(Status(incident["status"])))
    kinds = ["declared", *["status"] * moves, *rng.choices(FILLER_KINDS, k=count - moves - 1)]
    rows = []
    for n, kind in enumerate(kinds):
        when = incident["declared_at"] + STEP * n
        rows.append(
            {
                "incident_id": incident["id"],
                "at": when,
                "recorded_at": when + LATENESS[n % len(LATENESS)],
                "actor": ACTORS[(incident["id"] + n) % len(ACTORS)],
                "kind": kind,
                "text": UPDATE_TEXT if kind == "update" else f"{kind}: {incident['title']}",
                "visibility": "public" if kind == "update" and n % 3 == 0 else "internal",
                "data": event_data(incident, kind, n),
            }
        )
    return rows


@dataclass(frozen=True)
class Plan:
    """What to seed: `count` incidents over three years, about `per` events each."""

    count: int
    per: int
    opened: dict[int, Status]
    rng: random.Random
    now: datetime

    def status(self, incident_id: int) -> Status:
        closed = Status.CLOSED if self.rng.random() < 0.9 else Status.RESOLVED
        return self.opened.get(incident_id, closed)

    def declared(self, incident_id: int) -> datetime:
        return self.now - HISTORY * (1 - incident_id / (self.count + 1)) - timedelta(hours=2)

    def events(self, status: Status) -> int:
        return max(len(lifecycle(status)) + 1, self.rng.randint(self.per // 2, self.per * 3 // 2))


def insert_batch(conn: Connection, plan: Plan, ids: range) -> int:
    incidents, events = [], []
    for i in ids:
        status = plan.status(i)
        row = incident_row(i, status, plan.declared(i), plan.rng)
        incidents.append(row)
        events += timeline_rows(row, plan.events(status), plan.rng)
    conn.execute(insert(Incident), incidents)
    conn.execute(insert(Event), events)
    return len(events)


def finish_seeding(engine: Engine) -> None:
    """PostgreSQL: move the id sequence past the seeded ids, then bring the database to
    the state a server runs in, not the minutes after a bulk load: VACUUM (which
    autovacuum would do, and which sets the rows' visibility hints that the first reads
    would otherwise write) with ANALYZE (planner statistics), and a CHECKPOINT (so the
    load's dirty pages are not being flushed while commits wait on their own fsync).
    SQLite: nothing (warroom never runs ANALYZE)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        top = conn.scalar(select(func.max(Incident.id)))
        sequence = "SELECT setval(pg_get_serial_sequence('incidents', 'id'), :n)"
        conn.execute(text(sequence), {"n": top})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
        conn.execute(text("CHECKPOINT"))


def seed(url: str, count: int, per: int) -> Seeded:
    started = time.perf_counter()
    rng = random.Random(20261123)
    plan = Plan(count, per, open_ids(rng, count), rng, datetime.now(UTC))
    database = open_database(url)
    try:
        upgrade(database.engine)
        events = 0
        for first in range(1, count + 1, BATCH):
            with database.engine.begin() as conn:
                events += insert_batch(conn, plan, range(first, min(first + BATCH, count + 1)))
        finish_seeding(database.engine)
    finally:
        database.dispose()
    return Seeded(count, events, len(plan.opened), time.perf_counter() - started)


# --- databases ---------------------------------------------------------------------------


def fresh_sqlite() -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_PATH}"


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL (scripts/pg) with a fresh database; stopped afterwards."""
    pg = str(ROOT / "scripts" / "pg")
    subprocess.run([pg, "stop", str(PG_DIR)], check=False)  # one left from a broken run
    try:
        started = subprocess.run(
            [pg, "start", str(PG_DIR), str(PG_PORT)], check=True, capture_output=True, text=True
        )
        superuser = started.stdout.strip().rpartition("WARROOM_PG_URL=")[2]
        admin = create_engine(superuser, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {PG_DB}"))
        admin.dispose()
        yield PG_URL
    finally:
        subprocess.run([pg, "stop", str(PG_DIR)], check=False)


# --- processes: the server, and who used the CPU -----------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def busy_seconds() -> float:
    """CPU time the whole machine spent busy since boot, all cores together."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def postgres_pids() -> list[int]:
    """The benchmark's PostgreSQL: its postmaster and every process it started."""
    pidfile = PG_DIR / "data" / "postmaster.pid"
    if not pidfile.exists():
        return []
    root = int(pidfile.read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == root:
                children.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return [root, *children]


@dataclass(frozen=True)
class Usage:
    server_cpu: float  # CPU seconds the warroom server used
    others_cores: float  # cores other processes kept busy, on average


class Meter:
    """The CPU used by the server, and by strangers, while the `with` block runs."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.usage = Usage(0.0, 0.0)
        self.wall = self.busy = 0.0
        self.before: dict[int, float] = {}

    def _ours(self) -> dict[int, float]:
        pids = {os.getpid(), self.server_pid, *postgres_pids()}
        return {pid: cpu_seconds(pid) for pid in pids}

    def __enter__(self) -> Meter:
        self.wall, self.busy, self.before = time.perf_counter(), busy_seconds(), self._ours()
        return self

    def __exit__(self, *_: object) -> None:
        after, before = self._ours(), self.before
        spent = {p: max(0.0, after.get(p, 0.0) - before.get(p, 0.0)) for p in after | before}
        strangers = max(0.0, busy_seconds() - self.busy - sum(spent.values()))
        wall = time.perf_counter() - self.wall
        self.usage = Usage(spent.get(self.server_pid, 0.0), strangers / wall)


def server_env() -> dict[str, str]:
    """Our environment without WARROOM_* settings: the built-in defaults apply."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}


def warroom(*args: str) -> list[str]:
    return [str(BIN / "warroom"), *args]


def admin_token(url: str) -> str:
    command = warroom("token", "create", "bench", "--role", "admin", "--json", "--db", url)
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=server_env())
    token: str = json.loads(done.stdout)["token"]
    return token


def wait_healthy(process: subprocess.Popen[bytes], base: str, started: float) -> float:
    """Seconds from spawn to the first 200 on /healthz, polling every 10 ms."""
    with httpx.Client(timeout=1.0) as client:
        while time.perf_counter() - started < 60:
            if process.poll() is not None:
                raise RuntimeError(f"warroom serve exited with code {process.returncode}")
            try:
                if client.get(f"{base}/healthz").status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    raise RuntimeError("warroom serve did not answer /healthz within 60 s")


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base: str
    start_seconds: float
    start_usage: Usage


@contextmanager
def running_server(url: str, log: Path) -> Iterator[Server]:
    """`warroom serve` on a free loopback port; killed by its PID afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            warroom("serve", "--port", str(port), "--db", url),
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=server_env(),
        )
        try:
            with Meter(process.pid) as meter:
                seconds = wait_healthy(process, base, started)
            yield Server(process, base, seconds, meter.usage)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": fields["VmRSS"], "peak_rss_mb": fields["VmHWM"]}


# --- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    p99: float
    requests: int
    server_cpu_ms: float  # per request
    client_cpu_ms: float  # per request: this script's own work
    others_cores: float


def timed(call: Callable[[int], Answer], expect: int, requests: int, server_pid: int) -> Latency:
    """Run `call` `requests` times after a warm-up; latencies in milliseconds."""
    for i in range(WARM_UP):
        warm = call(-1 - i)
        if warm.status_code != expect:
            raise RuntimeError(f"{warm.url}: {warm.status_code} {warm.text}")
    samples: list[float] = []
    client_started = time.process_time()
    with Meter(server_pid) as meter:
        for i in range(requests):
            started = time.perf_counter()
            response = call(i)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != expect:
                raise RuntimeError(f"{response.url}: {response.status_code} {response.text}")
    client_ms = (time.process_time() - client_started) * 1000 / requests
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    cpu_ms = meter.usage.server_cpu * 1000 / requests
    others = meter.usage.others_cores
    return Latency(cuts[49], cuts[94], cuts[98], requests, cpu_ms, client_ms, others)


def measure_api(client: Loopback, server_pid: int, args: argparse.Namespace) -> dict[str, Latency]:
    rng = random.Random(7)

    def list_open(_: int) -> Answer:
        return client.get("/api/v1/incidents", params={"status": "open", "limit": 50})

    def list_open_p1(_: int) -> Answer:
        params: dict[str, str | int] = {"status": "open", "severity": "P1", "limit": 50}
        return client.get("/api/v1/incidents", params=params)

    def show(_: int) -> Answer:
        return client.get(f"/api/v1/incidents/{rng.randint(1, args.incidents)}")

    def declare(i: int) -> Answer:
        title = f"bench: {rng.choice(SYMPTOMS)} on {rng.choice(SERVICES[:-1])} #{i}"
        return client.post("/api/v1/incidents", {"title": title, "severity": "P2"})

    return {
        "list_open": timed(list_open, 200, args.requests, server_pid),
        "list_open_p1": timed(list_open_p1, 200, args.requests, server_pid),
        "show": timed(show, 200, args.requests, server_pid),
        "declare": timed(declare, 201, args.requests, server_pid),
    }


@dataclass(frozen=True)
class Result:
    database: str
    url: str
    seeded: Seeded
    starts: list[float]  # spawn → first 200 on /healthz, one per start
    start_usage: Usage
    latency: dict[str, Latency]
    memory: dict[str, float]

    @property
    def passed(self) -> dict[str, bool]:
        verdicts = {key: self.latency[key].p95 < goal for key, goal in GOALS_MS.items()}
        verdicts["start"] = statistics.median(self.starts) < GOAL_START_S
        verdicts["rss"] = self.memory["rss_mb"] < GOAL_RSS_MB
        return verdicts


def bench_one(name: str, url: str, args: argparse.Namespace) -> Result:
    print(f"[{name}] seeding {args.incidents:,} incidents ...", file=sys.stderr, flush=True)
    seeded = seed(url, args.incidents, args.events_per_incident)
    print(f"[{name}] seeded {seeded.events:,} events in {seeded.seconds:.1f} s", file=sys.stderr)
    token = admin_token(url)
    log = Path(f"/tmp/wr-bench-{name.lower()}.log")
    starts = []
    for _ in range(args.starts - 1):  # the last start is the server measured below
        with running_server(url, log) as server:
            starts.append(server.start_seconds)
    with running_server(url, log) as server:
        starts.append(server.start_seconds)
        headers = {"Authorization": f"Bearer {token}"}
        with Loopback(server.base, headers) as client:
            latency = measure_api(client, server.process.pid, args)
        memory = memory_mb(server.process.pid)
    return Result(name, url, seeded, starts, server.start_usage, latency, memory)


# --- reporting ---------------------------------------------------------------------------

LABELS = {
    "list_open": "GET /api/v1/incidents?status=open&limit=50",
    "list_open_p1": "  … &severity=P1 (open P1 incidents)",
    "show": "GET /api/v1/incidents/{id} (with timeline)",
    "declare": "POST /api/v1/incidents (declare)",
}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def line(label: str, figures: str, cpu: str, client: str, goal: str, result: str) -> str:
    return f"  {label:<43}{figures:>27}{cpu:>9}{client:>8}  {goal:<13}{result}"


def table(result: Result) -> str:
    s, mem, passed = result.seeded, result.memory, result.passed
    lines = [
        f"{result.database}: {s.incidents:,} incidents ({s.open} open), {s.events:,} events, "
        f"seeded in {s.seconds:.1f} s",
        line("measure", f"{'p50':>9}{'p95':>9}{'p99':>9}", "CPU/req", "client", "goal", "result"),
    ]
    for key, label in LABELS.items():
        lat = result.latency[key]
        figures = "".join(f"{ms:>7.1f}ms" for ms in (lat.p50, lat.p95, lat.p99))
        goal = f"p95 < {GOALS_MS[key]:.0f} ms"
        cpu, client = f"{lat.server_cpu_ms:.1f}ms", f"{lat.client_cpu_ms:.1f}ms"
        lines.append(line(label, figures, cpu, client, goal, verdict(passed[key])))
    starts = result.starts
    start = f"{statistics.median(starts):.2f} s ({min(starts):.2f}-{max(starts):.2f})"
    label = f"spawn → first 200 on /healthz, median of {len(starts)}"
    lines.append(line(label, start, "", "", "< 2 s", verdict(passed["start"])))
    rss = f"{mem['rss_mb']:.0f} MB (peak {mem['peak_rss_mb']:.0f} MB)"
    lines.append(line("server RSS after the run", rss, "", "", "< 150 MB", verdict(passed["rss"])))
    others = max(
        [result.start_usage.others_cores] + [x.others_cores for x in result.latency.values()]
    )
    lines.append(f"  other processes kept up to {others:.2f} cores busy during these phases")
    return "\n".join(lines)


def revision() -> str:
    """The commit measured, marked `-dirty` when the working tree has changes."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def machine() -> dict[str, Any]:
    return {**shared_machine(), "revision": revision()}


def header(command: str, box: dict[str, Any], date: datetime) -> str:
    return (
        f"command: {command}   (code {box['revision']})\n"
        f"machine: {box['cpus']} CPUs ({box['cpu_model']}), {box['memory_gb']} GB RAM, "
        f"Python {box['python']}, Linux {box['kernel']}\n"
        f"date:    {date:%Y-%m-%d %H:%M} UTC\n"
        "method:  sequential requests on one keep-alive http.client connection to 127.0.0.1 "
        f"after {WARM_UP} warm-up requests (bench/loopback.py); CPU/req = server process CPU "
        "time per request; client = this script's CPU time per request"
    )


# --- main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--events-per-incident", type=int, default=10)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per endpoint")
    parser.add_argument("--starts", type=int, default=5, help="server starts timed (median)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    if not 10 <= args.requests <= 10_000 or args.incidents < 1 or args.events_per_incident < 1:
        parser.error("--requests must be 10..10000; --incidents and --events-per-incident >= 1")
    return args


def run(args: argparse.Namespace) -> list[Result]:
    results = []
    if args.db in ("sqlite", "both"):
        results.append(bench_one("SQLite", fresh_sqlite(), args))
    if args.db in ("postgres", "both"):
        with postgres_server() as url:
            results.append(bench_one("PostgreSQL", url, args))
    return results


def report(results: list[Result], args: argparse.Namespace) -> str:
    command = shlex.join([".venv/bin/python", "bench/core.py", *sys.argv[1:]])
    box, date = machine(), datetime.now(UTC)
    if args.json:
        rows = [{**asdict(r), "passed": r.passed} for r in results]
        document = {"command": command, "machine": box, "date": date.isoformat(), "results": rows}
        return json.dumps(document, indent=2)
    return "\n\n".join([header(command, box, date), *(table(r) for r in results)])


def main() -> int:
    args = parse_args()
    results = run(args)
    print(report(results, args))
    return 0 if all(all(r.passed.values()) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
