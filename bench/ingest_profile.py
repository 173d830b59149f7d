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
    pid: int


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- py-spy on the live server -----------------------------------------------------------


def under_load(server: Server, seconds: int, load: Callable[[str, int], object],
               out: Path = OUT) -> None:
    """Sample the server while `load(prefix, per_request)` runs, for single and batch loads."""
    spy = BIN / "py-spy"
    if not spy.exists():
        say(f"profile: {spy} is missing (`.venv/bin/pip install py-spy`); skipped")
        return
    for label, prefix, per in (("single-alert requests", "pa", 1), ("batches of 100", "pb", 100)):
        raw = out / f"profile-{prefix}.txt"
        command = [str(spy), "record", "--pid", str(server.pid), "--duration", str(seconds),
                   "--rate", str(RATE_HZ), "--nonblocking", "--threads", "--format", "raw",
                   "--output", str(raw)]
        with subprocess.Popen(command, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) as sampler:
            try:
                load(prefix, per)
            finally:
                sampler.wait(timeout=seconds + 30)
        say(f"\n=== py-spy: warroom serve under {label} ({seconds} s, {RATE_HZ} Hz); raw: {raw}")
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
        thread = re.sub(r"^thread \(\d+\): ", "", frames[0])
        thread = "AnyIO worker threads" if thread.startswith("AnyIO worker") else thread
        yield Sample(thread, frames[1:], int(count))


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


def bench_alert(n: int) -> dict[str, Any]:
    """The alert bench/ingest_wrk.lua sends as its n-th (generic format)."""
    return {"summary": f"High error rate on host-{n}", "dedup_key": f"p-1-{n}",
            "service": f"svc{n // 50 % 10}", "severity": "warning", "source": f"host-{n}",
            "labels": {"alertname": f"BenchAlert{n % 50}", "instance": f"host-{n}",
                       "team": "core"}}


def in_process(out: Path = OUT, batches: int = 400, per_batch: int = 32) -> None:
    """apply() on batches of `per_batch` single-alert deliveries, after 500 warm-up groups."""
    from warroom.clock import SystemClock
    from warroom.config import load_config
    from warroom.db.engine import open_database
    from warroom.db.migrate import upgrade
    from warroom.services import ingest, integrations
    from warroom.services.context import Context
    from warroom.sources import SOURCES

    path = out / "profile-inprocess.sqlite"
    for stale in out.glob("profile-inprocess.sqlite*"):
        stale.unlink()
    db = open_database(f"sqlite:///{path}")
    upgrade(db.engine)
    ctx = Context(config=load_config(None), clock=SystemClock())
    with db.write.begin() as session:
        _, key = integrations.create(session, ctx=ctx, name="bench", kind="generic",
                                     service=None, hmac_secret=None)
    with db.read() as session:
        sender = integrations.sender_for_key(session, key)
    assert sender is not None
    counter = iter(range(1, 10**9))

    def one_batch() -> float:
        deliveries = [ingest.Delivery(sender, SOURCES["generic"](bench_alert(next(counter))))
                      for _ in range(per_batch)]
        started = time.perf_counter()
        with db.write.begin() as session:
            ingest.apply(session, ctx=ctx, deliveries=deliveries)
        return time.perf_counter() - started

    warm = [one_batch() for _ in range(500 // per_batch + 1)]  # every group gets its incident
    profiler = cProfile.Profile()
    with statement_times(db.engine) as sql:
        profiler.enable()
        spent = [one_batch() for _ in range(batches)]
        profiler.disable()
    db.dispose()
    say(in_process_report(per_batch, warm, spent, sql, profiler))


def in_process_report(per_batch: int, warm: list[float], spent: list[float],
                      sql: dict[str, list[float]], profiler: cProfile.Profile) -> str:
    total = sum(spent)
    third = max(1, len(spent) // 3)
    lines = [
        f"\n=== cProfile: services.ingest.apply in process, SQLite, {len(spent)} batches of "
        f"{per_batch} single-alert deliveries (new keys, groups already open)",
        f"  warm-up batches (opening 500 incidents): {sum(warm) / len(warm) * 1000:.1f} ms each",
        f"  measured: {len(spent) * per_batch / total:,.0f} alerts/s with the profiler on; "
        f"first third {sum(spent[:third]) / third * 1000:.1f} ms/batch, last third "
        f"{sum(spent[-third:]) / third * 1000:.1f} ms/batch",
        "  SQL statements by total time (driver execute only):",
    ]
    for shape, (seconds, count) in sorted(sql.items(), key=lambda kv: -kv[1][0])[:10]:
        lines.append(f"    {seconds / total:6.1%}  {seconds / count * 1000:6.2f} ms x "
                     f"{int(count):>5}  {shape}")
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(r"warroom/", 20)
    lines.append(buffer.getvalue())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile of services.ingest.apply")
    parser.add_argument("--batches", type=int, default=400)
    parser.add_argument("--per-batch", type=int, default=32)
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    in_process(OUT, args.batches, args.per_batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
