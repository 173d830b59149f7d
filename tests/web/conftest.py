"""Web UI fixtures: users for the personas, a signed-in TestClient, and for the browser
tests a real `warroom serve` on loopback with Debian's Chromium driven by Playwright.

Personas: alice is an admin, bob a responder, charlie a viewer.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.support import WARROOM, free_port

from warroom.db.engine import open_database
from warroom.domain.access import AccessRole
from warroom.services.access import users
from warroom.services.context import Context

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WARROOM_CHROMIUM", "/usr/bin/chromium")
PASSWORDS = {"alice": "alice-password", "bob": "bob-password", "charlie": "charlie-password"}
ROLES = {"alice": AccessRole.ADMIN, "bob": AccessRole.RESPONDER, "charlie": AccessRole.VIEWER}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# erin and frank take turns a week each; the tests' Monday, 2 November, is frank's week
PRIMARY_SCHEDULE = {
    "name": "primary",
    "layers": [{"members": ["erin", "frank"], "start": "2026-10-26T09:00:00Z", "turn": "1w"}],
}


def add_personas(db_url: str, ctx: Context) -> None:
    database = open_database(db_url)
    try:
        with database.write.begin() as session:
            for name, role in ROLES.items():
                users.create(
                    session, ctx=ctx, actor="admin", name=name, role=role, password=PASSWORDS[name]
                )
    finally:
        database.dispose()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str) -> None:
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf": token, "username": name, "password": PASSWORDS[name]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def personas(app, ctx: Context) -> None:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    with state.db.write.begin() as session:
        for name, role in ROLES.items():
            users.create(
                session,
                ctx=state.ctx,
                actor="admin",
                name=name,
                role=role,
                password=PASSWORDS[name],
            )


@pytest.fixture
def browse(app, personas: None) -> Iterator[Callable[[str | None], TestClient]]:  # type: ignore[no-untyped-def]
    """browse("bob") → a client signed in as bob (its own cookies); browse(None): nobody."""
    opened: list[TestClient] = []

    def open_as(name: str | None) -> TestClient:
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        if name:
            sign_in(client, name)
        return client

    yield open_as
    for client in opened:
        client.__exit__(None, None, None)


# --- the real server and the real browser ------------------------------------------------


class Server:
    """`warroom serve` as a process on a free loopback port, killed by its PID at the end."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
        self.log = log
        self.process = subprocess.Popen(
            [WARROOM, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--db", db_url],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited: {self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"serve did not come up: {self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def server(db_url: str, ctx: Context, tmp_path: Path) -> Iterator[Server]:
    add_personas(db_url, ctx)
    running = Server(db_url, tmp_path / "serve.log")
    try:
        running.wait()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per test module: Playwright's event loop runs while it is open, and a
    later test of another module may call asyncio.run(), which refuses a running loop."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is not installed at {CHROMIUM}: CI must run the browser tests")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
