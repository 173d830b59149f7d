"""The whole "done" story in a real browser against a real `warroom serve` with health
checks: a failing dependency is found by a check, opens an incident with the matching
runbook and checklist, a responder runs a diagnostic from the room and sees its output on
the timeline, and recovery resolves it. Also: JavaScript off, axe-core, screenshots."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.checks.servers import Service, http_service
from tests.support import WARROOM, free_port, poll
from tests.web.conftest import Server, add_personas
from tests.web.test_browser import LIVE_MS, axe_violations, declare_p1, expect, signed_in_page

from warroom.services.context import Context

pytestmark = pytest.mark.slow
WAIT_MS = 20_000  # checks run every second on a real clock; a busy machine may lag

CONFIG = """
[[severities]]
id = "P1"
name = "High"
ack_within = "15m"
monitor_for = "2s"

[[severities]]
id = "P2"
name = "Medium"
ack_within = "1h"

[[checks]]
name = "api-health"
kind = "http"
url = "{url}"
interval = "1s"
timeout = "1s"
failure_threshold = 2
success_threshold = 2
service = "api"
severity = "P1"

[[actions]]
name = "api-health"
title = "Check API health"
argv = ["curl", "-sS", "-o", "/dev/null", "-w", "HTTP %{{{{http_code}}}}", "{url}"]
timeout = "5s"

[[actions]]
name = "restart-api"
title = "Restart the API"
kind = "mitigation"
argv = ["echo", "restart requested for", "{{service}}"]
params = {{ service = {{ type = "choice", choices = ["api", "web"] }} }}
"""


class ConfiguredServer(Server):
    """`warroom serve` with a config file (the worker runs the checks)."""

    def __init__(self, db_url: str, log: Path, config: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
        self.log = log
        argv = [WARROOM, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*argv, "--db", db_url, "--config", str(config)],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )


@pytest.fixture
def dependency() -> Iterator[Service]:
    with http_service() as service:
        service.healthy = False
        yield service


@pytest.fixture
def checked_server(
    db_url: str, ctx: Context, tmp_path: Path, dependency: Service
) -> Iterator[Server]:
    add_personas(db_url, ctx)
    config = tmp_path / "warroom.toml"
    config.write_text(CONFIG.format(url=dependency.url))
    running = ConfiguredServer(db_url, tmp_path / "serve.log", config)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def check_shown(page: Any, state: str) -> bool:
    """/checks, loaded again until it shows api-health in this state (the page is static)."""

    def shown() -> bool:
        page.goto("/checks")
        return bool(page.locator("#check-api-health .check-state").text_content().strip() == state)

    return bool(poll(shown, seconds=WAIT_MS / 1000, every=0.5))


def test_failing_check_to_diagnosis_to_recovery_in_the_browser(
    chromium: Any, checked_server: Server, dependency: Service, artifacts: Path
) -> None:
    bob = signed_in_page(chromium, checked_server, "bob", bypass_csp=True)
    assert check_shown(bob, "down")
    bob.goto("/incidents/INC-1")
    expect(bob.get_by_role("heading", level=1)).to_contain_text("api-health")
    expect(bob.locator("details.runbook").first).to_contain_text("API down or answering 5xx")
    expect(bob.get_by_label("Severity assigned")).to_be_checked()
    bob.get_by_role("button", name="Check API health").click()
    expect(bob.locator("#timeline pre.output").first).to_have_text("HTTP 503")
    found = {"/incidents/INC-1": axe_violations(bob)}
    bob.screenshot(path=str(artifacts / "incident-room-response.png"), full_page=True)
    bob.goto("/checks")
    found["/checks"] = axe_violations(bob)
    bob.screenshot(path=str(artifacts / "checks.png"), full_page=True)
    bob.goto("/duties")
    expect(bob.get_by_role("heading", name="Verify backups")).to_be_visible()
    found["/duties"] = axe_violations(bob)
    bob.screenshot(path=str(artifacts / "duties.png"), full_page=True)
    problems = {path: [(v["id"], v["help"]) for v in vs] for path, vs in found.items() if vs}
    assert not problems, problems

    dependency.healthy = True
    bob.goto("/incidents/INC-1")
    expect(bob.locator("#incident-header .status")).to_have_text("resolved", timeout=WAIT_MS)


def test_checklist_and_actions_work_without_javascript(
    chromium: Any, checked_server: Server, dependency: Service
) -> None:
    bob = signed_in_page(chromium, checked_server, "bob", java_script_enabled=False)
    assert check_shown(bob, "down")
    bob.goto("/incidents/INC-1")
    bob.get_by_label("Post-mortem created").check()
    bob.get_by_role("button", name="Save checklist").click()
    expect(bob.locator("#timeline")).to_contain_text("Ticked: Post-mortem created")
    expect(bob.get_by_label("Post-mortem created")).to_be_checked()
    bob.get_by_label("service").select_option("web")
    bob.get_by_role("button", name="Restart the API").click()  # the confirm box is required
    expect(bob.locator("#timeline")).not_to_contain_text("restart requested")
    bob.get_by_label("I mean to run this mitigation").check()
    bob.get_by_role("button", name="Restart the API").click()
    expect(bob.locator("#timeline pre.output").first).to_contain_text("restart requested for web")


def test_the_checklist_follows_the_others_live_and_keeps_unsaved_ticks(
    chromium: Any, server: Server
) -> None:
    alice = signed_in_page(chromium, server, "alice")
    declare_p1(alice)
    bob = signed_in_page(chromium, server, "bob")
    bob.goto("/incidents/INC-1")
    bob.evaluate("window.stillTheSamePage = true")
    bob.get_by_label("Team debriefed").check()  # his, not saved yet

    alice.get_by_label("Post-mortem created").check()
    alice.get_by_role("button", name="Save checklist").click()
    expect(bob.get_by_label("Post-mortem created")).to_be_checked(timeout=LIVE_MS)
    alice.get_by_label("New status").select_option("investigating")  # ticks an item by
    alice.get_by_role("button", name="Change status").click()  # the event that did it
    expect(bob.get_by_label("Investigation started")).to_be_checked(timeout=LIVE_MS)
    expect(bob.locator("#incident-checklist")).to_contain_text("(from the timeline)")

    expect(bob.get_by_label("Team debriefed")).to_be_checked()
    assert bob.evaluate("window.stillTheSamePage") is True
    bob.get_by_role("button", name="Save checklist").click()
    expect(alice.get_by_label("Team debriefed")).to_be_checked(timeout=LIVE_MS)
