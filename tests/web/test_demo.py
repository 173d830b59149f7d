"""`warroom serve --demo` prints how to sign in, and that sign-in works; a P1 declared in
the demo pages the person on call in the demo inbox, whose acknowledge link works; the URLs
it hands out point at the port it listens on."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support import WARROOM, free_port
from tests.web.conftest import csrf_of
from tests.web.test_browser import axe_violations, expect

pytestmark = pytest.mark.slow


def test_serve_with_demo_data_prints_a_working_sign_in(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    process = subprocess.Popen(
        [WARROOM, "serve", "--demo", "--port", str(port), "--no-worker", "--db", db_url],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        found = None
        deadline = time.monotonic() + 30
        while found is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(
                r"Sign in at (\S+)/login as 'demo' with password '([^']+)'", log.read_text()
            )
            time.sleep(0.1)
        assert found, log.read_text()
        assert found.group(1) == base
        with httpx.Client(base_url=base, timeout=5) as client:
            while True:
                try:
                    token = csrf_of(client.get("/login").text)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            client.post(
                "/login", data={"csrf": token, "username": "demo", "password": found.group(2)}
            )
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            assert "Checkout returns 500 for every order" in dashboard.text
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def demo_server(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`warroom serve --demo` with its worker, on a port other than 8080, with no
    WARROOM_ variables set: (its base URL, the demo admin token). The demo user's
    password is in the log it writes (tmp_path/serve.log)."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    process = subprocess.Popen(
        [WARROOM, "serve", "--demo", "--port", str(port), "--db", db_url],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        token = None
        while token is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"Demo admin token: (\S+)", log.read_text())
            token = found.group(1) if found else None
            time.sleep(0.1)
        assert token, log.read_text()
        with httpx.Client(base_url=base, timeout=5) as client:
            while True:
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
        yield base, token
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


def _wait_for_page(client: httpx.Client, subject: str, person: str) -> str:
    """The acknowledge link of the page with this subject, once the inbox shows it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        inbox = client.get("/demo/inbox", params={"person": person})
        assert inbox.status_code == 200, inbox.text
        for article in inbox.text.split("<article")[1:]:
            link = re.search(r'<a href="(http://[^"]+/ack/[^"]+)"', article)
            if subject in article and link:
                return link.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no page {subject!r} in {person}'s inbox")


def test_a_p1_in_the_demo_pages_the_person_on_call_whose_link_acknowledges_it(
    demo_server: tuple[str, str],
) -> None:
    base, token = demo_server
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=10, headers=headers) as client:
        oncall = client.get("/api/v1/schedules/primary/oncall").json()
        person = oncall["on_call"]
        people = client.get("/people").text
        assert "pages cannot reach" not in people
        declared = client.post(
            "/api/v1/incidents", json={"title": "Carts vanish on reload", "severity": "P1"}
        ).json()
        ref = declared["ref"]
        link = _wait_for_page(client, f"{ref} Carts vanish on reload", person)
        assert link.startswith(f"{base}/ack/")
    with httpx.Client(timeout=10) as stranger:  # the link needs no sign-in
        assert "Acknowledge" in stranger.get(link).text
        assert f"{ref} acknowledged" in stranger.post(link).text
    with httpx.Client(base_url=base, timeout=10, headers=headers) as client:
        shown = client.get(f"/api/v1/incidents/{ref}").json()
        assert shown["status"] == "acknowledged"
        assert any(e["actor"] == person for e in shown["timeline"])


def test_the_demo_hands_out_urls_on_the_port_it_listens_on(demo_server: tuple[str, str]) -> None:
    base, token = demo_server
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=10, headers=headers) as client:
        made = client.post("/api/v1/integrations", json={"name": "prom", "kind": "alertmanager"})
        assert made.status_code == 201, made.text
        url = made.json()["url"]
        assert url.startswith(f"{base}/api/v1/ingest/")
        assert client.post(url.removeprefix(base), json={"alerts": []}).status_code < 500


def test_the_demo_status_page_shows_its_components_following_the_public_incidents(
    demo_server: tuple[str, str],
) -> None:
    base, _ = demo_server
    with httpx.Client(base_url=base, timeout=10) as anyone:
        components = anyone.get("/api/v2/components.json").json()["components"]
        page = anyone.get("/status").text
    statuses = {c["name"]: c["status"] for c in components if not c["group"]}
    assert statuses == {
        "Checkout": "major_outage",  # a P0 is open on checkout
        "Sign-in": "major_outage",  # and one on auth
        "Website": "partial_outage",  # a P1 on web, published by its public update
        "Public API": "operational",  # its P0 is closed
    }
    assert "Demo Shop" in page and "Sign-in fails for all users" in page


def test_the_demo_loop_in_the_browser(
    demo_server: tuple[str, str], chromium: Any, artifacts: Path, tmp_path: Path
) -> None:
    """Sign in, declare a P1, open the demo inbox from the menu, follow the page's
    acknowledge link and acknowledge: the incident is acknowledged by the person paged."""
    base, _ = demo_server
    found = re.search(r"with password '([^']+)'", (tmp_path / "serve.log").read_text())
    assert found
    page = chromium.new_context(base_url=base, bypass_csp=True).new_page()  # axe is injected
    page.goto("/login")
    page.get_by_label("User name", exact=True).fill("demo")
    page.get_by_label("Password", exact=True).fill(found.group(1))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Declare incident").click()
    page.get_by_label("Title", exact=True).fill("Search returns nothing")
    page.get_by_label("P1 High", exact=True).check()
    page.get_by_role("button", name="Declare incident").click()
    expect(page).to_have_url(re.compile(r"/incidents/INC-13$"))
    page.get_by_role("link", name="Demo inbox").click()
    paged = page.locator("article").filter(has_text="INC-13 Search returns nothing")
    deadline = time.monotonic() + 30
    while not paged.count():
        assert time.monotonic() < deadline, page.content()
        time.sleep(0.3)
        page.reload()
    assert axe_violations(page) == []
    page.screenshot(path=str(artifacts / "demo-inbox.png"), full_page=True)
    paged.first.locator('a[href*="/ack/"]').click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("INC-13 acknowledged")
    page.goto("/incidents/INC-13")
    expect(page.locator("#incident-header .status")).to_have_text("acknowledged")
