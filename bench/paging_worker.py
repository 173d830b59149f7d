"""Worker benchmark: how many pages a second one worker delivers from a backlog.

N incidents are opened at once (each pages the on-call person through warroom's signed
webhook, bundling off), then one `Worker.run_due` in this process runs the page jobs,
sends the messages to a loopback receiver in another process (so the receiver does not
share this process's interpreter lock) and records them. Printed: pages/s (wall) and the
worker's CPU time per page (all its threads). This is the worker alone: no API, no ingest;
bench/paging.py measures the whole path.

Run: .venv/bin/python bench/paging_worker.py [--db sqlite|postgres] [--pages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest import free_port, fresh_sqlite, postgres_database
from machine import machine
from warroom.clock import SystemClock
from warroom.config import parse_config
from warroom.db.engine import open_database
from warroom.db.migrate import upgrade
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import openings

SECRET = "bench-receiver-secret-0123456789"


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            found = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            await reader.readexactly(int(found.group(1)) if found else 0)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def _receive(port: int) -> None:
    server = await asyncio.start_server(_answer, "127.0.0.1", port, backlog=512)
    await server.serve_forever()


def run(url: str, pages: int) -> tuple[float, float]:
    """Seconds (wall) and CPU seconds the worker took to deliver `pages` pages."""
    port = free_port()
    receiver = subprocess.Popen([sys.executable, __file__, "--receive", str(port)])
    db = open_database(url)
    try:
        upgrade(db.engine)
        contact = f"webhook+http://127.0.0.1:{port}/hook?secret={SECRET}"
        config = parse_config({
            "bundle_window": "0s", "default_policy": "bench",
            "severities": [{"id": "P1", "name": "Bench", "ack_within": "1h"}],
            "default_route": {"severity": "P1"},
            "people": [{"name": "oncall", "contacts": [contact]}],
            "policies": [{"name": "bench", "steps": [{"notify": ["person:oncall"], "wait": "1h"}]}],
        })  # fmt: skip
        ctx = Context(config=config, clock=SystemClock())
        new = [
            openings.Opening(actor="bench", title=f"page {n}", severity="P1") for n in range(pages)
        ]
        with db.write.begin() as session:
            openings.open_incidents(session, ctx=ctx, openings=new)
        time.sleep(0.5)  # the receiver is listening by now
        worker = Worker(db, ctx)
        wall, cpu = time.perf_counter(), time.process_time()
        ran = worker.run_due(limit=pages * 3)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if ran != 2 * pages:  # a page job and a delivery each
            raise RuntimeError(f"the worker ran {ran} jobs, not {2 * pages}")
        return wall, cpu
    finally:
        db.dispose()
        receiver.kill()
        receiver.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--receive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.receive:
        asyncio.run(_receive(args.receive))
        return 0
    with tempfile.TemporaryDirectory(prefix="wr-worker-bench-") as tmp:
        if args.db == "postgres":
            with postgres_database() as url:
                wall, cpu = run(url, args.pages)
        else:
            wall, cpu = run(fresh_sqlite(Path(tmp)), args.pages)
    box = machine()
    print(f"worker benchmark, {args.db}, {args.pages} pages from a backlog; "
          f"{box['cpus']} CPUs ({box['cpu_model']}), Python {box['python']}")  # fmt: skip
    print(f"{args.pages / wall:.0f} pages/s, {cpu / args.pages * 1000:.2f} ms CPU a page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
