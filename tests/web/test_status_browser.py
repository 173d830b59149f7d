"""The public status page in Debian's Chromium: it reads without JavaScript, passes
axe-core (light and dark system themes), and /status/manage does too."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.status.conftest import STATUS_PAGE, declare, update
from tests.web.conftest import WARROOM, Server, add_personas, free_port
from tests.web.test_browser import axe_violations, signed_in_page

from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import open_database
from warroom.services.context import Context
from warroom.services.status import maintenance, subscribers

CONFIG = """
[status_page]
publish_severities = ["P0"]
[status_page.branding]
name = "Acme Status"
[[status_page.components]]
name = "API"
group = "Platform"
services = ["checkout"]
[[status_page.components]]
name = "Website"
services = ["web"]
"""


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config({"status_page": STATUS_PAGE})


class ConfiguredServer(Server):
    """`warroom serve` with a config file of its own."""

    def __init__(self, db_url: str, log: Path, config: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
        self.log = log
        command = [WARROOM, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--db", db_url, "--config", str(config)]
        self.process = subprocess.Popen(
            command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env
        )


@pytest.fixture
def status_server(db_url: str, ctx: Context, tmp_path: Path) -> Iterator[Server]:
    add_personas(db_url, ctx)
    database = open_database(db_url)
    try:
        incident = declare(database, ctx, "Checkout errors", service="checkout")
        update(
            database, ctx, incident, "Some card payments fail; a fix is on its way.", public=True
        )
        with database.write.begin() as session:
            now = ctx.clock.now()
            maintenance.schedule(
                session,
                ctx=ctx,
                actor="bob",
                title="Database upgrade",
                components=["API"],
                starts_at=now + timedelta(days=400),
                ends_at=now + timedelta(days=400, hours=1),
            )
    finally:
        database.dispose()
    path = tmp_path / "warroom.toml"
    path.write_text(CONFIG)
    running = ConfiguredServer(db_url, tmp_path / "serve.log", path)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def test_the_status_page_reads_without_javascript_and_passes_axe(
    chromium: Any, status_server: Server, artifacts: Path
) -> None:
    plain = chromium.new_context(base_url=status_server.base, java_script_enabled=False)
    page = plain.new_page()
    page.goto("/status")
    assert page.get_by_role("status").inner_text() == "Partial System Outage"
    assert page.get_by_text("Some card payments fail; a fix is on its way.").first.is_visible()
    assert page.get_by_role("heading", name="Scheduled maintenance").is_visible()
    page.screenshot(path=str(artifacts / "status-page.png"), full_page=True)
    page.get_by_label("Webhook URL").fill("https://hooks.example.com/status")
    page.get_by_role("button", name="Subscribe").click()
    assert page.get_by_role("heading", name="Subscribed").is_visible()
    plain.close()

    found = {}
    checked = chromium.new_context(base_url=status_server.base, bypass_csp=True)
    visitor = checked.new_page()
    for scheme in ("light", "dark"):
        visitor.emulate_media(color_scheme=scheme)
        visitor.goto("/status")
        found[f"/status ({scheme})"] = axe_violations(visitor)
    alice = signed_in_page(chromium, status_server, "alice", bypass_csp=True)
    alice.goto("/status/manage")
    found["/status/manage"] = axe_violations(alice)
    problems = {
        path: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in here]
        for path, here in found.items()
        if here
    }
    assert not problems, problems


def _webhook_token(db_url: str, ctx: Context) -> str:
    database = open_database(db_url)
    try:
        with database.write.begin() as session:
            subscribers.subscribe(
                session, ctx=ctx, kind="webhook", address="https://hooks.example.com/status"
            )
        with database.read() as session:
            [found] = subscribers.active(session)
            return found.token
    finally:
        database.dispose()


def test_links_from_mail_show_a_button_that_confirms_or_unsubscribes(
    chromium: Any, status_server: Server, db_url: str, ctx: Context
) -> None:
    token = _webhook_token(db_url, ctx)
    found = {}
    for javascript in (False, True):
        context = chromium.new_context(
            base_url=status_server.base, java_script_enabled=javascript, bypass_csp=javascript
        )
        page = context.new_page()
        page.goto(f"/status/confirm/{token}")
        assert page.get_by_role("heading", name="Confirm").is_visible()
        if javascript:
            found["confirm"] = axe_violations(page)
        page.get_by_role("button", name="Confirm").click()
        assert page.get_by_role("heading", name="Subscribed").is_visible()
        page.goto(f"/status/unsubscribe/{token}")
        assert page.get_by_role("heading", name="Unsubscribe").is_visible()
        if javascript:
            found["unsubscribe"] = axe_violations(page)
            break
        page.get_by_role("button", name="Unsubscribe").click()
        assert page.get_by_role("heading", name="Unsubscribed").is_visible()
        page.goto(f"/status/confirm/{token}")  # an unsubscribed link shows no button
        assert page.get_by_role("heading", name="Not found").is_visible()
        assert page.get_by_role("button").count() == 0
        context.close()
        token = _webhook_token(db_url, ctx)  # subscribed again: a new link
    problems = {
        path: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in here]
        for path, here in found.items()
        if here
    }
    assert not problems, problems
