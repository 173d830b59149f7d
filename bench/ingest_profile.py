"""Where warroom's alert intake spends its time (used by `bench/ingest.py --profile`).

- `under_load`: py-spy samples the running `warroom serve` while wrk loads it (single-alert
  requests, then batches of 100); prints busy share per thread, self time by package and the
  hottest functions, and keeps the raw samples (flamegraph.pl input) in /tmp/wr-ingest-bench.
- `in_process`: cProfile and per-statement SQL timing of `services.ingest.apply` called
  directly (no HTTP) on a fresh SQLite file, in batches like those the group-commit writer
  forms under load.

Run alone: .venv/bin/python bench/ingest_profile.py [--batches 400] [--per-batch 32]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, event

BIN = Path(sys.executable).parent
OUT = Path("/tmp/wr-ingest-bench")
RATE_HZ = 100


class Server(Protocol):
    @property
    def pid(self) -> int: ...


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- py-spy on the live server -----------------------------------------------------------


def under_load(
    server: Server,
    seconds: int,
    load: Callable[[str, int], object],
    label: str = "sqlite",
    out: Path = OUT,
) -> None:
    """Sample the server while `load(prefix, per_request)` runs, for single and batch loads;
    `label` names the database in the output files."""
    spy = BIN / "py-spy"
    if not spy.exists():
        say(f"profile: {spy} is missing (`.venv/bin/pip install py-spy`); skipped")
        return
    for what, prefix, per in (("single-alert requests", "pa", 1), ("batches of 100", "pb", 100)):
        raw = out / f"profile-{label}-{prefix}.txt"
        command = [
            str(spy),
            "record",
            "--pid",
            str(server.pid),
            "--duration",
            str(seconds),
            "--rate",
            str(RATE_HZ),
            "--nonblocking",
            "--threads",
            "--subprocesses",  # with --split, the alert writer and the worker are children
            "--format",
            "raw",
            "--output",
            str(raw),
        ]
        with subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ) as sampler:
            try:
                load(prefix, per)
            finally:
                try:
                    sampler.wait(timeout=seconds + 30)
                except subprocess.TimeoutExpired:
                    sampler.kill()  # py-spy, by its PID
        say(
            f"\n=== py-spy: warroom serve ({label}) under {what} ({seconds} s, {RATE_HZ} Hz); "
            f"raw: {raw}"
        )
        say(summarise(raw.read_text(), seconds * RATE_HZ))


@dataclass(frozen=True)
class Sample:
    thread: str
    frames: list[str]  # outermost first, each "function (path:line)"
    count: int


def samples(raw: str) -> Iterator[Sample]:
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        processes = [f for f in frames if f.startswith("process ")]
        frames = frames[len(processes) :]
        thread = re.sub(r"^thread \(\d+\): ", "", frames[0])
        thread = "AnyIO worker threads" if thread.startswith("AnyIO worker") else thread
        where = role(processes[-1] if processes else "")
        yield Sample(f"{where}: {thread}", frames[1:], int(count))


def role(process: str) -> str:
    """Which of `warroom serve --split`'s processes a py-spy process frame names."""
    if "ingest_writer" in process:
        return "alert writer"
    return "worker" if "worker" in process else "server"


def function(frame: str) -> str:
    """`do_execute (sqlalchemy/engine/default.py:1192)` → `…/default.py:do_execute`."""
    name, _, where = frame.partition(" (")
    return f"{where.rsplit(':', 1)[0]}:{name}"


def package(frame: str) -> str:
    where = frame.partition(" (")[2]
    return where.split("/", 1)[0] if "/" in where else where.split(".")[0] or "?"


def summarise(raw: str, possible: int, top: int = 15) -> str:
    """Busy share per thread, self time by package, hottest self and inclusive functions."""
    per_thread: Counter[str] = Counter()
    by_package: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for sample in samples(raw):
        total += sample.count
        per_thread[sample.thread] += sample.count
        if sample.frames:
            by_package[package(sample.frames[-1])] += sample.count
            own[function(sample.frames[-1])] += sample.count
        for name in {function(f) for f in sample.frames if "warroom/" in f}:
            inclusive[name] += sample.count
    if not total:
        return "  no samples"
    lines = ["  busy share of each thread (samples ÷ possible samples):"]
    lines += [f"    {n / possible:6.1%}  {t}" for t, n in per_thread.most_common()]
    lines.append("  self time by package (% of all samples):")
    lines += [f"    {n / total:6.1%}  {p}" for p, n in by_package.most_common(top)]
    lines.append("  hottest functions, self time:")
    lines += [f"    {n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    lines.append("  warroom functions, inclusive time:")
    lines += [f"    {n / total:6.1%}  {f}" for f, n in inclusive.most_common(top + 5)]
    return "\n".join(lines)


# --- cProfile of services.ingest.apply ---------------------------------------------------


@contextmanager
def statement_times(engine: Engine) -> Iterator[dict[str, list[float]]]:
    """Total seconds and count per SQL statement shape (IN lists collapsed)."""
    times: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def before(conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        shape = re.sub(r"\((?:\?|%\(\w+\)s)(?:, (?:\?|%\(\w+\)s))*\)", "(…)", statement)
        entry = times[" ".join(shape.split())[:110]]
        entry[0] += time.perf_counter() - conn.info["bench_started"]
        entry[1] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def bench_alert(n: int, group: int | None = None) -> dict[str, Any]:
    """The alert bench/ingest_wrk.lua sends as its n-th (generic format); `group` overrides
    its alertname, so that it opens an incident of its own."""
    name = f"BenchAlert{n % 50}" if group is None else f"NewGroup{group}"
    return {
        "summary": f"High error rate on host-{n}",
        "dedup_key": f"p-1-{n}",
        "service": f"svc{n // 50 % 10}",
        "severity": "warning",
        "source": f"host-{n}",
        "labels": {"alertname": name, "instance": f"host-{n}", "team": "core"},
    }


class Harness:
    """A fresh SQLite file with one generic integration, fed batches of single-alert
    submissions straight into services.ingest.apply, one transaction a batch (as the
    group-commit writer does)."""

    def __init__(self, path: Path) -> None:
        from warroom.clock import SystemClock
        from warroom.config import load_config
        from warroom.db.engine import open_database
        from warroom.db.migrate import upgrade
        from warroom.services.context import Context
        from warroom.services.ingest import integrations

        for stale in path.parent.glob(f"{path.name}*"):
            stale.unlink()
        self.url = f"sqlite:///{path}"
        self.db = open_database(self.url)
        upgrade(self.db.engine)
        self.ctx = Context(config=load_config(None), clock=SystemClock())
        with self.db.write.begin() as session:
            _, key = integrations.create(
                session, ctx=self.ctx, name="bench", kind="generic", service=None, hmac_secret=None
            )
        with self.db.read() as session:
            sender = integrations.sender_for_key(session, key)
        assert sender is not None
        self.sender = sender
        self.counter = 0

    def batch(self, size: int, new_groups: bool = False) -> float:
        """Seconds to apply and commit `size` new alerts (not counting their parsing and
        preparing, which the requests do before the writer takes them)."""
        from warroom.services.ingest import apply, prep
        from warroom.sources import SOURCES

        submissions = []
        for _ in range(size):
            self.counter += 1
            group = self.counter if new_groups else None
            alerts = SOURCES["generic"](bench_alert(self.counter, group))
            submissions.append(prep.prepare(self.ctx, self.sender, alerts))
        started = time.perf_counter()
        with self.db.write.begin() as session:
            apply.apply(session, ctx=self.ctx, submissions=submissions)
        return time.perf_counter() - started

    def analyze(self) -> None:
        with self.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    def close(self) -> None:
        self.db.dispose()


@dataclass(frozen=True)
class Pass:
    title: str
    alerts: int
    seconds: float
    sql: dict[str, list[float]]

    def report(self, top: int = 8) -> str:
        lines = [
            f"  {self.title}: {self.alerts / self.seconds:,.0f} alerts/s "
            f"({self.seconds / self.alerts * 1000:.2f} ms an alert)",
            "    SQL statements by driver time (share of the pass, ms each, count):",
        ]
        for shape, (seconds, count) in sorted(self.sql.items(), key=lambda kv: -kv[1][0])[:top]:
            lines.append(
                f"    {seconds / self.seconds:6.1%} {seconds / count * 1000:6.2f} ms "
                f"x{int(count):<5} {shape}"
            )
        return "\n".join(lines)


def timed_pass(
    harness: Harness, title: str, batches: int, size: int, new_groups: bool = False
) -> Pass:
    with statement_times(harness.db.engine) as sql:
        seconds = sum(harness.batch(size, new_groups) for _ in range(batches))
    return Pass(title, batches * size, seconds, dict(sql))


def in_process(
    out: Path = OUT, batches: int = 300, per_batch: int = 32, preload: int = 30_000
) -> None:
    """Time apply() on its own: opening incidents, attaching alerts to open ones (on a table
    already holding `preload` firing alerts), the same after ANALYZE; cProfile of both kinds."""
    harness = Harness(out / "profile-inprocess.sqlite")
    try:
        opening = timed_pass(
            harness,
            f"{per_batch * 10} alerts each opening an incident ({per_batch} a batch)",
            10,
            per_batch,
            new_groups=True,
        )
        opening_profile = profiled(lambda: harness.batch(per_batch, new_groups=True), 5)
        harness.batch(500)  # the 500 bench groups get their incidents
        for _ in range(preload // 1000):
            harness.batch(1000)
        title = f"{batches} batches of {per_batch}, new keys in open groups, {preload:,}+ firing"
        attaching = timed_pass(harness, title, batches, per_batch)
        harness.analyze()
        analyzed = timed_pass(
            harness, "the same after ANALYZE (sqlite_stat1 present)", batches, per_batch
        )
        attaching_profile = profiled(lambda: harness.batch(per_batch), batches // 2)
    finally:
        harness.close()
    say("\n=== services.ingest.apply in process on SQLite (no HTTP; one commit a batch)")
    say("\n".join(p.report() for p in (opening, attaching, analyzed)))
    say(f"  cProfile, 5 batches of {per_batch} alerts each opening an incident:")
    say(opening_profile)
    say(f"  cProfile, {batches // 2} batches of {per_batch} attaching alerts (after ANALYZE):")
    say(attaching_profile)


def profiled(call: Callable[[], object], times: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        call()
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats(r"warroom/", 15)
    return re.sub(r"\n{3,}", "\n\n", buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile of services.ingest.apply")
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--per-batch", type=int, default=32)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    in_process(OUT, args.batches, args.per_batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
