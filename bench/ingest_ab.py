"""Batch intake of two or more versions of warroom, run alternately: A/B on a noisy machine.

This two-core machine has fast and slow spells that move `bench/ingest.py`'s figures by a
fifth within minutes, more than most changes do. So each version (a `src` folder, e.g. of
a `git worktree`, put first on PYTHONPATH) takes its turn within each round: a fresh
database, `warroom serve --split`, then batches of 100 alerts from wrk for SECONDS, twice
(the second run on the first one's alerts). Printed: alerts/s of each run, and the means.

Run: .venv/bin/python bench/ingest_ab.py [--db sqlite|postgres] [--rounds 3] [--seconds 8]
         /tmp/wr-before/src /tmp/wr-after/src
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest import BATCH, fresh_sqlite, postgres_database, run_wrk, warroom

RUNS = ("b", "x")  # two runs a turn, with these dedup-key prefixes


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield fresh_sqlite(workdir)
    else:
        with postgres_database() as url:
            yield url


def turn(src: str, kind: str, seconds: int) -> list[float]:
    """Alerts/s of each run against the warroom in `src`."""
    os.environ["PYTHONPATH"] = src  # the server and its child processes import from it
    serve = ("--processes", "1", "--split")
    with tempfile.TemporaryDirectory(prefix="wr-ab-") as folder:
        workdir = Path(folder)
        with database(kind, workdir) as url, warroom(url, workdir, None, serve) as server:
            return [
                run_wrk(server, per=BATCH, prefix=prefix, seconds=seconds).alert_rate
                for prefix in RUNS
            ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", help="src folders, one a version")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    results: dict[str, list[list[float]]] = {src: [] for src in args.sources}
    for round_ in range(1, args.rounds + 1):
        for src in args.sources:
            rates = turn(src, args.db, args.seconds)
            results[src].append(rates)
            print(f"round {round_}  {src}  " + " / ".join(f"{r:,.0f}" for r in rates), flush=True)
    print(f"\nalerts/s, batches of 100, {args.db}, {args.seconds} s a run (first / second run):")
    for src, turns in results.items():
        means = [statistics.mean(rates) for rates in zip(*turns, strict=True)]
        print(f"  {src}: mean " + " / ".join(f"{m:,.0f}" for m in means))


if __name__ == "__main__":
    main()
