"""Reports and post-mortem drafts benchmark: a report over 100,000 incidents, and the
draft of a post-mortem for an incident with 10,000 timeline events, each under 1 s.

Seeds a fresh database (SQLite at /tmp/wr-bench-reports.sqlite, and/or PostgreSQL at the
URL given) with incidents spread over a year (drills among them, most acknowledged and
resolved, some with an overdue update on their timeline) and one incident with a long
timeline, then times in process, on the real database:

- `figures.report` over the whole year, grouped by each of total, severity, service,
  month and commander (median and worst of several runs);
- drafting the long incident's post-mortem (`documents.create`, rolled back each time).

Run: .venv/bin/python bench/reports.py [--db sqlite|postgres|both] [--incidents 100000]
         [--events 10000] [--runs 5] [--pg-url postgresql+psycopg://user@127.0.0.1:5432/db]
         [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from warroom.clock import FrozenClock
from warroom.config import load_config
from warroom.db.engine import Database, open_database
from warroom.db.migrate import upgrade
from warroom.db.models import Base, Event, Incident
from warroom.services.context import Context
from warroom.services.postmortems import documents
from warroom.services.reports import figures
from warroom.services.reports.figures import By

SQLITE_PATH = Path("/tmp/wr-bench-reports.sqlite")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BATCH = 10_000
SEVERITIES = ("P0", "P1", "P2", "P3")
WEIGHTS = (2, 10, 38, 50)
ACK_WITHIN = {"P0": 300, "P1": 900, "P2": 3600, "P3": 86400}
SERVICES = ("api", "web", "payments", "auth", "search", "billing", "mobile", "db", None)
COMMANDERS = ("alice", "bob", "carol", "dana", None)
GOAL_S = 1.0
INCIDENTS = Incident.__table__
EVENTS = Event.__table__


def _incident(rng: random.Random, number: int) -> dict[str, Any]:
    declared = NOW - timedelta(seconds=rng.randrange(365 * 86400))
    severity = rng.choices(SEVERITIES, WEIGHTS)[0]
    acked = declared + timedelta(seconds=rng.randrange(30, 3 * ACK_WITHIN[severity]))
    mitigated = acked + timedelta(seconds=rng.randrange(60, 7200))
    resolved = mitigated + timedelta(seconds=rng.randrange(60, 7200))
    done = resolved < NOW
    return {
        "title": f"Incident {number}",
        "summary": "",
        "impact": "",
        "severity": severity,
        "status": "resolved" if done else "investigating",
        "source": "manual",
        "service": rng.choice(SERVICES),
        "channel": f"incident-{number}",
        "commander": rng.choice(COMMANDERS),
        "responders": "",
        "declared_at": declared,
        "acknowledged_at": acked if acked < NOW else None,
        "mitigated_at": mitigated if done else None,
        "resolved_at": resolved if done else None,
        "ack_due_at": declared + timedelta(seconds=ACK_WITHIN[severity]),
        "escalation_level": 0,
        "version": 1,
        "updated_at": resolved if done else declared,
        "drill": rng.random() < 0.02,
    }


def _event(incident_id: int, at: datetime, kind: str, words: str) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "at": at,
        "recorded_at": at,
        "actor": "bench",
        "kind": kind,
        "text": words,
        "visibility": "internal",
        "data": {},
    }


def seed(db: Database, incidents: int, long_events: int) -> int:
    """The incidents (two events each, one in ten with an overdue update) and one resolved P1
    with `long_events` events; that one's id."""
    rng = random.Random(27)
    made = 0
    with db.write.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    while made < incidents:
        size = min(BATCH, incidents - made)
        rows = [_incident(rng, made + i) | {"id": made + i + 1} for i in range(size)]
        events = []
        for row in rows:
            events.append(_event(row["id"], row["declared_at"], "declared", "Declared"))
            if rng.random() < 0.1:
                at = row["declared_at"] + timedelta(minutes=30)
                events.append(_event(row["id"], at, "update_overdue", "No update"))
        with db.write.begin() as session:  # plain executemany: no ORM, no RETURNING
            session.execute(insert(INCIDENTS), rows)
            session.execute(insert(EVENTS), events)
        made += size
    start = NOW - timedelta(days=2)
    long_row = _incident(rng, incidents) | {
        "title": "A long storm",
        "severity": "P1",
        "status": "resolved",
        "declared_at": start,
        "resolved_at": start + timedelta(hours=20),
        "drill": False,
    }
    long_id = incidents + 1
    with db.write.begin() as session:
        session.execute(insert(INCIDENTS), [long_row | {"id": long_id}])
        kinds = ("update", "alert", "paged", "notified", "status")
        rows = [
            _event(
                long_id,
                start + timedelta(seconds=7 * i),
                kinds[i % len(kinds)],
                f"Step {i}: error rate {i % 97}%",
            )
            for i in range(long_events)
        ]
        for first in range(0, len(rows), BATCH):
            session.execute(insert(EVENTS), rows[first : first + BATCH])
    return long_id


def timed(work: Callable[[], object], runs: int) -> dict[str, float]:
    """Wall time, and this process's CPU time (SQLite's work included: it runs in
    process), which a machine shared with other busy processes inflates far less."""
    seconds, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        work()
        seconds.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return {
        "median_s": round(statistics.median(seconds), 4),
        "worst_s": round(max(seconds), 4),
        "cpu_median_s": round(statistics.median(cpu), 4),
    }


def measure(url: str, incidents: int, events: int, runs: int) -> dict[str, Any]:
    db = open_database(url)
    try:
        upgrade(db.engine)
        began = time.perf_counter()
        long_id = seed(db, incidents, events)
        seeded_s = round(time.perf_counter() - began, 1)
        if db.is_sqlite:
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
        ctx = Context(config=load_config(None), clock=FrozenClock(NOW))
        since = NOW - timedelta(days=366)
        results: dict[str, Any] = {"seeded_s": seeded_s}
        for by in By:

            def report(by: By = by) -> object:
                with db.read() as session:
                    return figures.report(session, ctx=ctx, since=since, until=NOW, by=by)

            results[f"report_by_{by.value}"] = timed(report, runs)
        with db.read() as session:
            total = figures.report(session, ctx=ctx, since=since, until=NOW)
        results["incidents_counted"] = total.total.incidents

        def draft() -> object:
            session = db.write()
            try:
                return documents.create(session, ctx=ctx, actor="bench", incident_id=long_id)
            finally:
                session.rollback()
                session.close()

        results["draft_10k_events"] = timed(draft, runs)
        return results
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    urls = {}
    if args.db in ("sqlite", "both"):
        SQLITE_PATH.unlink(missing_ok=True)
        urls["sqlite"] = f"sqlite:///{SQLITE_PATH}"
    if args.db in ("postgres", "both"):
        if not args.pg_url:
            parser.error("--pg-url is needed for PostgreSQL")
        urls["postgres"] = args.pg_url
    found = {
        name: measure(url, args.incidents, args.events, args.runs) for name, url in urls.items()
    }
    if args.json:
        print(json.dumps({"load": os.getloadavg(), **found}, indent=2))
        return
    print(f"load average (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} CPUs")
    for name, results in found.items():
        print(f"{name}: {args.incidents} incidents seeded in {results['seeded_s']} s")
        for key, value in results.items():
            if isinstance(value, dict):
                verdict = "ok" if value["median_s"] < GOAL_S else "SLOW"
                median, worst, cpu = value["median_s"], value["worst_s"], value["cpu_median_s"]
                print(
                    f"  {key:20} median {median:.3f} s  worst {worst:.3f} s  "
                    f"(client CPU {cpu:.3f} s)  {verdict}"
                )


if __name__ == "__main__":
    main()
