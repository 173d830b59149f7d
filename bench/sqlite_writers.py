"""SQLite write contention: writers in several processes (and threads) each commit one small
transaction after another through warroom's write sessions, as fast as they can.

Two runs on the same fresh database file, one after the other: warroom as it is (writers
queue on the file lock next to the database, db/writelock.py) and SQLite by itself (the
file lock switched off in the writer processes, so they queue on `busy_timeout`, whose
handler sleeps 1, 2, 5, 10 … ms between tries). Each prints commits/s, how long a writer
waited from asking for a write session to its commit (p50/p99/max), how evenly the
writers got their turns (fewest and most commits of one writer), 'database is locked'
errors, and whether the table holds exactly the commits the writers counted.

Run: .venv/bin/python bench/sqlite_writers.py [--processes 2] [--threads 1] [--seconds 5]
         [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from machine import machine
from warroom.db.engine import open_database
from warroom.db.writelock import LockingConnection

MODES = {"file lock": True, "busy_timeout only": False}


@dataclass
class Writer:
    commits: int
    errors: int
    waits_ms: list[float]


@dataclass
class Run:
    mode: str
    writers: int
    seconds: float
    commits: int
    errors: int
    in_table: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    fewest: int
    most: int

    @property
    def rate(self) -> float:
        return self.commits / self.seconds


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def no_turn(self: LockingConnection) -> Iterator[None]:
    yield  # SQLite by itself: BEGIN IMMEDIATE waits on busy_timeout


def write_until(url: str, name: str, start: float, stop: float) -> Writer:
    database = open_database(url)
    done = Writer(0, 0, [])
    time.sleep(max(0.0, start - time.time()))
    try:
        while time.time() < stop:
            asked = time.perf_counter()
            try:
                with database.write.begin() as session:
                    session.execute(
                        text("INSERT INTO bench_writes (writer) VALUES (:w)"), {"w": name}
                    )
            except OperationalError:
                done.errors += 1
                continue
            done.waits_ms.append((time.perf_counter() - asked) * 1000)
            done.commits += 1
    finally:
        database.dispose()
    return done


def writer_process(
    url: str, index: int, threads: int, locked: bool, times: tuple[float, float]
) -> list[Writer]:
    if not locked:
        LockingConnection.turn_to_write = no_turn  # type: ignore[method-assign,assignment]
    results: list[Writer] = [Writer(0, 0, [])] * threads

    def one(n: int) -> None:
        results[n] = write_until(url, f"{index}.{n}", *times)

    running = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return results


def measure(url: str, mode: str, processes: int, threads: int, seconds: float) -> Run:
    database = open_database(url)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM bench_writes"))
    start = time.time() + 2.0  # every process has opened its database by then
    times = (start, start + seconds)
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        jobs = [(url, i, threads, MODES[mode], times) for i in range(processes)]
        writers = [w for each in pool.starmap(writer_process, jobs) for w in each]
    with database.engine.connect() as conn:
        in_table = int(conn.execute(text("SELECT count(*) FROM bench_writes")).scalar_one())
    database.dispose()
    waits = [ms for w in writers for ms in w.waits_ms]
    return Run(
        mode=mode,
        writers=len(writers),
        seconds=seconds,
        commits=sum(w.commits for w in writers),
        errors=sum(w.errors for w in writers),
        in_table=in_table,
        p50_ms=percentile(waits, 0.50),
        p99_ms=percentile(waits, 0.99),
        max_ms=max(waits, default=math.nan),
        fewest=min(w.commits for w in writers),
        most=max(w.commits for w in writers),
    )


def report(args: argparse.Namespace, runs: list[Run]) -> None:
    host = machine()
    print(
        "command: .venv/bin/python bench/sqlite_writers.py "
        + " ".join(f"--{k} {v}" for k, v in vars(args).items() if k != "json")
    )
    print(f"machine: {host['cpus']} CPUs ({host['cpu_model']}), Python {host['python']}")
    print(f"date:    {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"writers: {args.processes} processes x {args.threads} threads, one-row INSERT a "
        "transaction, synchronous=FULL (as warroom)"
    )
    print()
    print(
        f"{'mode':<20}{'commits/s':>11}{'p50':>10}{'p99':>10}{'max':>10}"
        f"{'fewest/most':>16}{'locked':>8}  table"
    )
    for run in runs:
        table = "ok" if run.in_table == run.commits else f"{run.in_table} != {run.commits}"
        print(
            f"{run.mode:<20}{run.rate:>11,.0f}{run.p50_ms:>8.2f}ms{run.p99_ms:>8.2f}ms"
            f"{run.max_ms:>8.1f}ms{run.fewest:>8,}/{run.most:<7,}{run.errors:>8}  {table}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="writer threads per process")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wr-writers-") as folder:
        url = f"sqlite:///{Path(folder) / 'writers.sqlite'}"
        database = open_database(url)
        with database.engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_writes (id INTEGER PRIMARY KEY, writer TEXT)"))
        database.dispose()
        runs = [measure(url, mode, args.processes, args.threads, args.seconds) for mode in MODES]
    if args.json:
        rows: list[dict[str, Any]] = [{**asdict(r), "rate": r.rate} for r in runs]
        print(json.dumps(rows, indent=2))
    else:
        report(args, runs)


if __name__ == "__main__":
    main()
