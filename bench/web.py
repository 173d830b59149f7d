"""Web UI benchmark: server-render time of the dashboard and the incident room on a big
database, first paint of the room in headless Chromium, and the bytes a first visit costs.

Seeds a fresh database with many incidents (the same seeding as bench/core.py), starts the
real `warroom serve`, signs in as a user made with `warroom user create`, and measures on
loopback:

- p50/p95/p99 of `GET /` (dashboard) and `GET /incidents/INC-{id}` (random ids, over the
  whole history) — the time until the whole page has arrived;
- first-contentful-paint of the incident room in Debian's Chromium (Performance API), each
  visit in a fresh browser context (nothing cached);
- page weight before caching: HTML + CSS + JS of each page, as served;
- live delay: an update posted by one signed-in client until another browser's open
  incident room shows it (server-sent events).

Goals (the issue): server render < 50 ms p95 with 100,000 incidents; first paint
< 300 ms; page weight < 100 KB; the other browser sees a change within a second.

Run: .venv/bin/python bench/web.py [--db sqlite|postgres|both] [--incidents 100000]
         [--requests 300] [--paints 20]
"""

from __future__ import annotations

import argparse
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from core import (
    SQLITE_PATH,
    Latency,
    fresh_sqlite,
    header,
    machine,
    postgres_server,
    running_server,
    seed,
    server_env,
    timed,
    warroom,
)

CHROMIUM = "/usr/bin/chromium"
GOAL_RENDER_MS = 50.0
GOAL_PAINT_MS = 300.0
GOAL_WEIGHT_KB = 100.0
GOAL_LIVE_MS = 1000.0
USER, PASSWORD = "bench-user", "bench-password"
SQLITE_URL = f"sqlite:///{SQLITE_PATH}"


@dataclass(frozen=True)
class Figures:
    database: str
    incidents: int
    render: dict[str, Latency]
    paint_ms: list[float]
    floor_ms: list[float]  # the same browser painting a tiny page: Chromium's own share
    live_ms: list[float]  # an update posted by one person until another's open room shows it
    weight_kb: dict[str, float]


def make_user(url: str) -> None:
    command = warroom(
        "user", "create", USER, "--role", "responder", "--password", PASSWORD, "--db", url
    )
    subprocess.run(command, check=True, capture_output=True, env=server_env())


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10.0)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, "no sign-in form"
    answer = client.post(
        "/login", data={"csrf": csrf.group(1), "username": USER, "password": PASSWORD}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:200]}")
    return client


def open_incident(client: httpx.Client) -> int:
    found = re.search(r'href="/incidents/INC-(\d+)"', client.get("/").text)
    assert found, "no open incident on the dashboard"
    return int(found.group(1))


def weight_kb(client: httpx.Client, path: str) -> float:
    """HTML plus the stylesheet and script it links to, in KB, uncompressed, uncached."""
    html = client.get(path).text
    total = len(html.encode())
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        total += len(client.get(asset.replace("&amp;", "&")).content)
    return total / 1024


def paints(base: str, cookies: httpx.Cookies, paths: list[str]) -> list[float]:
    from playwright.sync_api import sync_playwright

    session = cookies.get("warroom_session")
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        for path in paths:
            context = browser.new_context(base_url=base)
            context.add_cookies([{"name": "warroom_session", "value": session, "url": base}])
            page = context.new_page()
            page.goto(path)
            fcp = page.evaluate(
                """() => new Promise(done => {
                    const seen = () => performance.getEntriesByName('first-contentful-paint');
                    if (seen().length) return done(seen()[0].startTime);
                    new PerformanceObserver(() => done(seen()[0].startTime))
                        .observe({type: 'paint', buffered: true});
                })"""
            )
            results.append(float(fcp))
            context.close()
        browser.close()
    return results


def live_delays(base: str, client: httpx.Client, incident: int, count: int) -> list[float]:
    """Milliseconds from an update's POST (answered) until another open room shows it."""
    from playwright.sync_api import sync_playwright

    session = client.cookies.get("warroom_session")
    room = f"/incidents/INC-{incident}"
    delays = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        context = browser.new_context(base_url=base)
        context.add_cookies([{"name": "warroom_session", "value": session, "url": base}])
        page = context.new_page()
        page.goto(room)
        page.wait_for_timeout(500)  # the live stream is open
        for n in range(count):
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(room).text)
            assert csrf, "no form on the room"
            started = time.perf_counter()
            client.post(f"{room}/updates", data={"csrf": csrf.group(1), "message": f"live {n}"})
            page.locator("#timeline").get_by_text(f"live {n}", exact=True).wait_for()
            delays.append((time.perf_counter() - started) * 1000)
        browser.close()
    return delays


def bench_one(name: str, url: str, args: argparse.Namespace) -> Figures:
    if not args.reuse:
        print(f"[{name}] seeding {args.incidents:,} incidents ...", file=sys.stderr, flush=True)
        seeded = seed(url, args.incidents, 10)
        print(f"[{name}] seeded in {seeded.seconds:.1f} s", file=sys.stderr, flush=True)
        make_user(url)
    rng = random.Random(11)
    with running_server(url, Path(f"/tmp/wr-bench-web-{name.lower()}.log")) as server:
        client = signed_in(server.base)
        try:
            pid = server.process.pid
            render = {
                "dashboard": timed(lambda _: client.get("/"), 200, args.requests, pid),
                "room": timed(
                    lambda _: client.get(f"/incidents/INC-{rng.randint(1, args.incidents)}"),
                    200,
                    args.requests,
                    pid,
                ),
            }
            weight = {
                "dashboard": weight_kb(client, "/"),
                "room": weight_kb(client, f"/incidents/INC-{args.incidents}"),
            }
            rooms = [f"/incidents/INC-{rng.randint(1, args.incidents)}" for _ in range(args.paints)]
            painted = paints(server.base, client.cookies, rooms)
            floor = paints(server.base, client.cookies, ["/healthz"] * args.paints)
            live = live_delays(server.base, client, open_incident(client), args.paints)
        finally:
            client.close()
    return Figures(name, args.incidents, render, painted, floor, live, weight)


def report(figures: Figures) -> str:
    def quantile(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    rows = [f"{figures.database}: {figures.incidents:,} incidents"]
    for key, label in (("dashboard", "GET / (dashboard)"), ("room", "GET /incidents/INC-{id}")):
        lat = figures.render[key]
        ok = "PASS" if lat.p95 < GOAL_RENDER_MS else "FAIL"
        rows.append(
            f"  {label:<28} p50 {lat.p50:6.1f} ms  p95 {lat.p95:6.1f} ms  p99 {lat.p99:6.1f} ms"
            f"  CPU/req {lat.server_cpu_ms:5.1f} ms  goal p95 < {GOAL_RENDER_MS:.0f} ms  {ok}"
        )
    p50, p95 = quantile(figures.paint_ms, 50), quantile(figures.paint_ms, 95)
    ok = "PASS" if p95 < GOAL_PAINT_MS else "FAIL"
    rows.append(
        f"  {'first paint, incident room':<28} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
        f"  ({len(figures.paint_ms)} cold visits)  goal < {GOAL_PAINT_MS:.0f} ms  {ok}"
    )
    rows.append(
        f"  {'  (floor: a tiny page)':<28} p50 {quantile(figures.floor_ms, 50):6.1f} ms"
        f"  p95 {quantile(figures.floor_ms, 95):6.1f} ms  (GET /healthz, same browser)"
    )
    live50, live95 = quantile(figures.live_ms, 50), quantile(figures.live_ms, 95)
    ok = "PASS" if live95 < GOAL_LIVE_MS else "FAIL"
    rows.append(
        f"  {'live update, other browser':<28} p50 {live50:6.1f} ms  p95 {live95:6.1f} ms"
        f"  (POST → shown)  goal < {GOAL_LIVE_MS:.0f} ms  {ok}"
    )
    for key, kb in figures.weight_kb.items():
        ok = "PASS" if kb < GOAL_WEIGHT_KB else "FAIL"
        rows.append(
            f"  {'page weight, ' + key:<28} {kb:6.1f} KB  goal < {GOAL_WEIGHT_KB:.0f} KB  {ok}"
        )
    return "\n".join(rows)


def passed(figures: Figures) -> bool:
    paint_p95 = statistics.quantiles(figures.paint_ms, n=100, method="inclusive")[94]
    return (
        all(lat.p95 < GOAL_RENDER_MS for lat in figures.render.values())
        and paint_p95 < GOAL_PAINT_MS
        and all(kb < GOAL_WEIGHT_KB for kb in figures.weight_kb.values())
        and statistics.quantiles(figures.live_ms, n=100, method="inclusive")[94] < GOAL_LIVE_MS
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--paints", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="SQLite only: measure the database seeded last time"
    )
    args = parser.parse_args()
    if args.requests < 10 or args.paints < 2 or args.incidents < 1:
        parser.error("--requests >= 10, --paints >= 2, --incidents >= 1")
    results = []
    if args.db in ("sqlite", "both"):
        results.append(bench_one("SQLite", SQLITE_URL if args.reuse else fresh_sqlite(), args))
    if args.db in ("postgres", "both"):
        with postgres_server() as url:
            results.append(bench_one("PostgreSQL", url, args))
    command = shlex.join([".venv/bin/python", "bench/web.py", *sys.argv[1:]])
    print(header(command, machine(), datetime.now(UTC)))
    print("\n\n".join(report(r) for r in results))
    return 0 if all(passed(r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
