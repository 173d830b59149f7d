"""Status page benchmark: `/api/v2/summary.json` and `/status` from warroom, side by side
with nginx (Debian's package, started here on loopback) serving the same bytes as static
files, in the same run, while a responder posts a public update every 250 ms (each one
empties warroom's cache, so the next request makes the page again); and the page's first
paint in Chromium.

Load comes from wrk (one thread, keep-alive connections) on this machine, so the load
generator and the server share its cores; nginx gets the same treatment.

Goals (issue 25): at least 3,000 requests/s with p99 < 20 ms for both paths while an
incident is being updated; first paint < 300 ms.

Run: .venv/bin/python bench/status.py [--seconds 10] [--connections 16] [--paints 10]
         [--processes 1]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from core import admin_token, free_port, server_env, stop, wait_healthy, warroom

CHROMIUM = "/usr/bin/chromium"
NGINX = "/usr/sbin/nginx"
GOAL_RPS = 3000.0
GOAL_P99_MS = 20.0
GOAL_PAINT_MS = 300.0
CONFIG = """
[status_page]
publish_severities = ["P0"]
[status_page.branding]
name = "Bench Status"
[[status_page.components]]
name = "API"
group = "Platform"
services = ["checkout", "payments"]
[[status_page.components]]
name = "Website"
services = ["web"]
[[status_page.components]]
name = "Search"
services = ["search"]
"""
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp;
  scgi_temp_path {root}/tmp;
  types {{ application/json json; text/html html; }}
  server {{
    listen 127.0.0.1:{port};
    root {root}/www;
  }}
}}
"""


@dataclass(frozen=True)
class Load:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(name: str, url: str, seconds: int, connections: int) -> Load:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    )
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Load(name, rps, p50, p99, errors)


class Updater(threading.Thread):
    """A responder posting a public update every `every` seconds."""

    def __init__(self, base: str, token: str, incident: int, every: float) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        self.incident, self.every = incident, every
        self.stopping = threading.Event()
        self.posted = 0

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            body = {"message": f"Progress note {self.posted}: still working.", "public": True}
            answer = self.client.post(f"/api/v1/incidents/{self.incident}/updates", json=body)
            answer.raise_for_status()
            self.posted += 1


def paints(base: str, count: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        for _ in range(count):
            context = browser.new_context(base_url=base)  # nothing cached
            page = context.new_page()
            page.goto("/status")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--paints", type=int, default=10)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--update-every", type=float, default=0.25)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wr-bench-status-"))
    root.chmod(0o755)  # nginx's workers (www-data) read the static copies
    (root / "www").mkdir()
    (root / "tmp").mkdir()
    config = root / "warroom.toml"
    config.write_text(CONFIG)
    url = f"sqlite:///{root / 'warroom.db'}"
    port, nginx_port = free_port(), free_port()
    base, nginx_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{nginx_port}"
    env = server_env() | {"WARROOM_CONFIG": str(config)}
    log = (root / "serve.log").open("wb")
    started = time.perf_counter()
    server = subprocess.Popen(
        warroom("serve", "--port", str(port), "--db", url, "--processes", str(args.processes)),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    nginx = None
    try:
        wait_healthy(server, base, started)
        token = admin_token(url)
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        made = client.post(
            "/api/v1/incidents",
            json={"title": "Checkout errors", "severity": "P1", "service": "checkout"},
        )
        made.raise_for_status()
        incident = int(made.json()["id"])
        for n in range(3):
            body = {"message": f"Update {n}: some payments fail; we are on it.", "public": True}
            client.post(f"/api/v1/incidents/{incident}/updates", json=body).raise_for_status()
        time.sleep(1.2)  # past the cache's life: what other processes wrote shows
        summary, page = client.get("/api/v2/summary.json"), client.get("/status")
        (root / "www" / "summary.json").write_bytes(summary.content)
        (root / "www" / "status.html").write_bytes(page.content)
        (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=nginx_port))
        nginx = subprocess.Popen(
            [NGINX, "-c", str(root / "nginx.conf"), "-p", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if httpx.get(f"{nginx_base}/summary.json").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError(f"nginx does not serve the copies: see {root}/nginx-error.log")
        updater = Updater(base, token, incident, args.update_every)
        updater.start()
        loads = []
        for name, target in (
            ("warroom /api/v2/summary.json", f"{base}/api/v2/summary.json"),
            ("nginx   summary.json (same bytes)", f"{nginx_base}/summary.json"),
            ("warroom /status", f"{base}/status"),
            ("nginx   status.html (same bytes)", f"{nginx_base}/status.html"),
        ):
            loads.append(wrk(name, target, args.seconds, args.connections))
        updater.stopping.set()
        updater.join()
        fcp = paints(base, args.paints)
    finally:
        if nginx is not None:
            stop(nginx)  # type: ignore[arg-type]
        stop(server)
        log.close()
    load = " / ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"status bench: {args.seconds} s per target, {args.connections} connections, wrk -t1,")
    print(f"  machine load average after the run (1/5/15 min): {load} on {os.cpu_count()} cores")
    print(
        f"  {args.processes} warroom process(es); {updater.posted} public updates posted meanwhile"
    )
    print(f"  summary.json {len(summary.content)} bytes, /status {len(page.content)} bytes")
    print(f"{'target':36} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for load in loads:
        print(
            f"{load.name:36} {load.rps:9.0f} {load.p50_ms:8.2f} {load.p99_ms:8.2f} {load.errors:7d}"
        )
    for ours, theirs in ((loads[0], loads[1]), (loads[2], loads[3])):
        print(f"ratio warroom/nginx {ours.name.split()[-1]:>22}: {ours.rps / theirs.rps:.2f}")
    print(
        f"first contentful paint of /status in Chromium over {len(fcp)} fresh visits: "
        f"median {statistics.median(fcp):.0f} ms, worst {max(fcp):.0f} ms"
    )
    passed = all(load.rps >= GOAL_RPS and load.p99_ms < GOAL_P99_MS for load in loads[::2])
    passed = passed and statistics.median(fcp) < GOAL_PAINT_MS
    print("goals met" if passed else "goals NOT met")
    shutil.rmtree(root, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
