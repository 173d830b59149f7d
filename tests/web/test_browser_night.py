"""A night on call in a real browser (Debian's Chromium via Playwright) against a real
`warroom serve` with people and a schedule: an Alertmanager alert opens an incident whose
room shows the host and the links; a second responder's half-typed text survives the
first one's actions; command, paging, a status line, a raise and a confirmed resolve;
covering a shift from the UI; and every page at 390 px wide without sideways scrolling.
Screenshots of each page at 1280 and 390 px go to test-artifacts/."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web.conftest import WARROOM, Server, add_personas, free_port
from tests.web.test_browser import LIVE_MS, axe_violations, expect, header_status, signed_in_page

from warroom.db.engine import open_database
from warroom.services.context import Context
from warroom.services.ingest import integrations

pytestmark = pytest.mark.slow
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
HOST = "host1.example.com:9100"
CONFIG = """
[[people]]
name = "erin"
contacts = ["json://127.0.0.1:9/erin"]

[[people]]
name = "frank"
contacts = ["json://127.0.0.1:9/frank"]

[[people]]
name = "gus"

[[people]]
name = "hana"

[[people]]
name = "ivan"

[[people]]
name = "jo"

[[schedules]]
name = "primary"
  [[schedules.layers]]
  members = ["erin", "frank"]
  start = "2026-10-26T09:00:00Z"
  turn = "1w"
"""
PAGES = (
    "/",
    "/incidents?status=all",
    "/incidents/INC-1",
    "/incidents/new",
    "/people",
    "/integrations",
    "/schedules",
    "/schedules/primary",
    "/me",
)
WIDTHS = {"wide": 1280, "phone": 390}


class ConfiguredServer(Server):
    """`warroom serve` with a config file (people and a schedule)."""

    def __init__(self, db_url: str, log: Path, config: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
        command = [WARROOM, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--db", db_url, "--config", str(config)],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )


@pytest.fixture
def night(db_url: str, ctx: Context, tmp_path: Path) -> Iterator[ConfiguredServer]:
    add_personas(db_url, ctx)
    config = tmp_path / "warroom.toml"
    config.write_text(CONFIG)
    running = ConfiguredServer(db_url, tmp_path / "serve.log", config)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def alert_fires(db_url: str, ctx: Context, server: Server) -> None:
    """Alertmanager sends "Instance is down" for host1, with a description and a runbook."""
    database = open_database(db_url)
    try:
        with database.write.begin() as session:
            _, key = integrations.create(
                session, ctx=ctx, actor="admin", name="prom", kind="alertmanager"
            )
    finally:
        database.dispose()
    body = json.loads((PAYLOADS / "alertmanager_webhook.json").read_text())
    alert = copy.deepcopy(body["alerts"][0])
    alert["annotations"] = {
        "summary": "Instance is down",
        "description": "host1 has not answered a scrape for 5 minutes",
        "runbook_url": "https://runbooks.example.com/instance-down",
    }
    body["alerts"] = [alert]
    answer = httpx.post(f"{server.base}/api/v1/ingest/{key}/alertmanager", json=body, timeout=10)
    assert answer.status_code < 300, answer.text


def first_control_after_header(page: Any) -> str:
    return str(
        page.evaluate(
            """() => {
              const header = document.getElementById("incident-header");
              const all = document.querySelectorAll(
                'a[href], button, input:not([type=hidden]), select, textarea, summary');
              for (const el of all) {
                if (header.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING
                    && !header.contains(el) && el.offsetParent !== null) {
                  return el.textContent.trim();
                }
              }
              return "";
            }"""
        )
    )


def test_a_refused_raise_keeps_its_choice_through_another_responders_change(
    chromium: Any, night: ConfiguredServer, db_url: str, ctx: Context
) -> None:
    """Refused for want of a reason, the raise keeps P0 chosen while bob's command reaches
    alice's room live; with the reason given, it goes through."""
    alert_fires(db_url, ctx, night)
    alice = signed_in_page(chromium, night, "alice")
    alice.goto("/incidents/INC-1")
    expect(alice.locator("#live-state")).to_have_text("Live", timeout=LIVE_MS)
    alice.get_by_label("New severity", exact=True).select_option("P0")
    alice.get_by_role("button", name="Change severity").click()
    expect(alice.locator("#severity-reason-error")).to_contain_text("Say why")

    bob = signed_in_page(chromium, night, "bob")
    bob.goto("/incidents/INC-1")
    bob.get_by_role("button", name="Take command").click()
    expect(alice.locator("#incident-header")).to_contain_text("bob", timeout=LIVE_MS)
    expect(alice.get_by_label("New severity", exact=True)).to_have_value("P0")

    alice.get_by_label("Reason", exact=True).fill("Every host in the rack is down")
    alice.get_by_role("button", name="Change severity").click()
    expect(bob.locator("#incident-header .sev")).to_have_text("P0", timeout=LIVE_MS)


@pytest.mark.parametrize("width", WIDTHS.values())
def test_a_night_in_the_room_two_responders(
    chromium: Any, night: ConfiguredServer, db_url: str, ctx: Context, width: int
) -> None:
    alert_fires(db_url, ctx, night)
    viewport = {"width": width, "height": 900}
    alice = signed_in_page(chromium, night, "alice", viewport=viewport)
    row = alice.locator("tr.unacked").filter(has_text="Instance is down")
    expect(row).to_contain_text("needs acknowledgement")
    alice.get_by_role("link", name="INC-1 Instance is down").click()
    expect(alice.locator(".key-labels")).to_contain_text(HOST)
    alerts = alice.locator(".alerts")
    expect(alerts).to_contain_text("host1 has not answered a scrape for 5 minutes")
    runbook = alerts.get_by_role("link", name="Runbook")
    expect(runbook).to_have_attribute("href", "https://runbooks.example.com/instance-down")
    expect(runbook).to_have_attribute("rel", "noopener noreferrer")
    expect(alerts.get_by_role("link", name="Alertmanager")).to_be_visible()
    assert first_control_after_header(alice) == "Acknowledge"
    expect(alice.locator("#live-state")).to_have_text("Live", timeout=LIVE_MS)

    bob = signed_in_page(chromium, night, "bob", viewport=viewport)
    bob.goto("/incidents/INC-1")
    bob.evaluate("window.stillTheSamePage = true")
    bob.get_by_label("Update", exact=True).fill("half-typed note about the di")
    bob.get_by_label("Message (optional)", exact=True).fill("host1 lost its disk")
    bob.get_by_label("Message (optional)", exact=True).focus()

    alice.get_by_role("button", name="Acknowledge").click()
    expect(header_status(bob)).to_have_text("acknowledged", timeout=LIVE_MS)
    expect(bob.get_by_label("Update", exact=True)).to_have_value("half-typed note about the di")
    message = bob.get_by_label("Message (optional)", exact=True)
    expect(message).to_have_value("host1 lost its disk")
    expect(message).to_be_focused()

    bob.get_by_role("button", name="Take command").click()
    expect(alice.locator("#incident-header")).to_contain_text("bob", timeout=LIVE_MS)
    bob.get_by_label("New status", exact=True).select_option("identified")
    bob.get_by_role("button", name="Change status").click()
    line = "Status acknowledged → identified: host1 lost its disk"
    expect(alice.locator("#timeline")).to_contain_text(line, timeout=LIVE_MS)
    assert bob.evaluate("window.stillTheSamePage") is True

    alice.get_by_label("Who", exact=True).select_option("schedule:primary")
    alice.get_by_role("button", name="Page", exact=True).click()
    expect(bob.locator("#timeline")).to_contain_text("alice paged", timeout=LIVE_MS)

    alice.get_by_label("New severity", exact=True).select_option("P0")
    alice.get_by_role("button", name="Change severity").click()
    expect(alice.locator("#severity-reason-error")).to_contain_text("Say why")
    alice.get_by_label("Reason", exact=True).fill("Every host in the rack is down")
    alice.get_by_role("button", name="Change severity").click()
    expect(bob.locator("#incident-header .sev")).to_have_text("P0", timeout=LIVE_MS)

    alice.keyboard.press("?")
    expect(alice.locator("#shortcuts")).to_have_attribute("open", "")
    alice.goto("/incidents/INC-1?show=alerts")
    expect(alice.locator("#timeline li")).to_have_count(1)
    expect(alice.locator("#timeline")).to_contain_text("Alert firing: Instance is down")
    alice.goto("/incidents/INC-1")
    alice.get_by_role("button", name="Resolve").click()
    expect(alice.locator("#resolve-confirm-error")).to_be_visible()
    alice.get_by_label("Yes, P0 INC-1 is over: resolve it").check()
    alice.get_by_role("button", name="Resolve").click()
    expect(header_status(bob)).to_have_text("resolved", timeout=LIVE_MS)

    alice.goto("/incidents?q=host1.example&status=all")
    expect(alice.get_by_role("link", name="INC-1 Instance is down")).to_be_visible()


def test_cover_a_shift_from_the_schedule_page(
    chromium: Any, night: ConfiguredServer, artifacts: Path
) -> None:
    bob = signed_in_page(chromium, night, "bob")
    bob.goto("/schedules/primary")
    expect(bob.get_by_role("heading", name="primary")).to_be_visible()
    bob.get_by_label("Who covers", exact=True).select_option("erin")
    bob.get_by_label("From", exact=True).fill("2030-01-07T09:00")
    bob.get_by_label("To", exact=True).fill("2030-01-07T17:00")
    bob.get_by_label("Reason (optional)", exact=True).fill("frank is at the dentist")
    bob.get_by_role("button", name="Add override").click()
    overrides = bob.locator("section[aria-labelledby=overrides-h]")
    expect(overrides).to_contain_text("frank is at the dentist")
    expect(overrides).to_contain_text("made by bob")
    bob.get_by_role("button", name="Take this shift").first.click()
    expect(overrides).to_contain_text("Taking")
    bob.goto("/me")
    expect(bob.locator("section[aria-labelledby=shifts-h]")).to_contain_text("primary")


def overflowing(page: Any) -> list[str]:
    """What scrolls sideways: the page itself, or a table, panel or section inside it."""
    return list(
        page.evaluate(
            """() => {
              const out = [];
              const root = document.documentElement;
              if (root.scrollWidth > root.clientWidth + 1) out.push("page " + root.scrollWidth);
              document.querySelectorAll(
                'table, .table-wrap, .panel, section, main, form, ul, ol, dl, svg, header'
              ).forEach(el => {
                const box = el.getBoundingClientRect();
                if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
                    || box.right > root.clientWidth + 1) {
                  out.push(el.tagName + "." + el.className + " " + el.scrollWidth + ">"
                    + el.clientWidth + " right " + Math.round(box.right));
                }
              });
              return out;
            }"""
        )
    )


def test_every_page_fits_a_phone_and_passes_axe_at_both_widths(
    chromium: Any, night: ConfiguredServer, db_url: str, ctx: Context, artifacts: Path
) -> None:
    alert_fires(db_url, ctx, night)
    long_title = "Checkout-and-payments-gateway-returns-errors-for-every-card-in-every-region"
    alice = signed_in_page(chromium, night, "alice", bypass_csp=True)
    alice.goto("/incidents/new")
    alice.get_by_label("Title", exact=True).fill(long_title)
    alice.get_by_label("P1 High", exact=True).check()
    alice.get_by_role("button", name="Declare incident").click()
    expect(alice.get_by_role("heading", level=1)).to_have_text(long_title)
    problems: dict[str, Any] = {}
    for label, width in WIDTHS.items():
        alice.set_viewport_size({"width": width, "height": 900})
        for path in PAGES:
            alice.goto(path)
            expect(alice.locator("main")).to_be_visible()
            name = path.strip("/").replace("/", "-").split("?")[0] or "dashboard"
            alice.screenshot(path=str(artifacts / f"{name}-{label}.png"), full_page=True)
            wide = overflowing(alice) if label == "phone" else []
            serious = axe_violations(alice)
            if wide or serious:
                problems[f"{path} at {width}px"] = {
                    "scrolls sideways": wide,
                    "axe": [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in serious],
                }
    assert not problems, problems


def test_on_a_phone_the_menu_folds_and_the_timeline_comes_before_the_forms(
    chromium: Any, night: ConfiguredServer, db_url: str, ctx: Context
) -> None:
    alert_fires(db_url, ctx, night)
    bob = signed_in_page(chromium, night, "bob", viewport={"width": 390, "height": 844})
    expect(bob.get_by_role("link", name="Incidents")).to_be_hidden()
    bob.get_by_text("Menu", exact=True).click()
    expect(bob.get_by_role("link", name="Incidents")).to_be_visible()
    bob.goto("/incidents/INC-1")
    top = {
        name: bob.locator(selector).bounding_box()["y"]
        for name, selector in (
            ("header", "#incident-header"),
            ("acknowledge", "button:text-is('Acknowledge')"),
            ("timeline", "#timeline"),
            ("status form", "#form-status"),
        )
    }
    assert top["header"] < top["acknowledge"] < top["timeline"] < top["status form"], top
    header_height = bob.locator("header.top").bounding_box()["height"]
    assert header_height < 844 / 8, header_height  # the folded menu is one short line


def test_the_live_indicator_says_when_the_connection_drops_and_comes_back(
    chromium: Any, night: ConfiguredServer, db_url: str, tmp_path: Path
) -> None:
    bob = signed_in_page(chromium, night, "bob")
    bob.goto("/incidents/new")
    bob.get_by_label("Title", exact=True).fill("Queue backs up")
    bob.get_by_label("P2 Medium", exact=True).check()
    bob.get_by_role("button", name="Declare incident").click()
    indicator = bob.locator("#live-state")
    expect(indicator).to_have_text("Live", timeout=LIVE_MS)
    night.stop()
    expect(indicator).to_have_text("Offline: reconnecting…", timeout=10_000)
    again = ConfiguredServer(
        db_url, tmp_path / "serve-again.log", tmp_path / "warroom.toml", night.port
    )
    try:
        again.wait()
        expect(indicator).to_have_text("Live", timeout=15_000)
    finally:
        again.stop()


def test_a_long_list_of_people_has_a_search_box(
    chromium: Any, night: ConfiguredServer, db_url: str, ctx: Context
) -> None:
    alert_fires(db_url, ctx, night)
    bob = signed_in_page(chromium, night, "bob")
    bob.goto("/incidents/INC-1")
    search = bob.get_by_label("Search the choices of Person")
    search.fill("fra")
    expect(bob.get_by_label("Person", exact=True)).to_have_value("frank")
    visible = bob.locator("#role-person option:not([hidden])")
    expect(visible).to_have_count(1)
    bob.get_by_role("button", name="Assign role").click()
    expect(bob.locator("#incident-header")).to_contain_text("frank")
