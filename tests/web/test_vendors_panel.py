"""The dashboard's vendors panel: each `[[upstreams]]` vendor with its status, when it was
last read, and its incident's link, read from a vendor served on loopback; in Chromium it
passes axe-core."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.status.conftest import STATUS_PAGE
from tests.status.test_upstreams import Vendor, vendor  # noqa: F401 (the fixture)
from tests.support import free_port
from tests.web.conftest import Server, add_personas
from tests.web.test_browser import axe_violations, signed_in_page
from tests.web.test_status_browser import ConfiguredServer

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.scheduler import upstreams
from warroom.services.context import Context

LINK = "http://stspg.co:5000/Q0E"  # the sample summary's first incident


def _vendors(port: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "GitHub",
            "url": f"http://127.0.0.1:{port}/api/v2/summary.json",
            "components": ["API"],
            "service": "checkout",
        },
        {
            "name": "Stripe",
            "url": f"http://127.0.0.1:{free_port()}/api/v2/summary.json",  # nobody listens
            "service": "payments",
        },
    ]


@pytest.fixture
def config(vendor: Vendor) -> WarroomConfig:  # noqa: F811
    return parse_config({"status_page": STATUS_PAGE, "upstreams": _vendors(vendor.port)})


def test_the_dashboard_shows_each_vendor_its_status_check_time_and_incident_link(
    browse: Callable[[str | None], TestClient],
    database: Database,
    ctx: Context,
    clock: FrozenClock,
    vendor: Vendor,  # noqa: F811
) -> None:
    bob = browse("bob")
    before = bob.get("/").text
    assert "Vendors" in before and before.count("not read yet") == 2

    vendor.down()
    upstreams.poll_due(database, ctx)
    page = bob.get("/").text
    panel = page[page.index('id="vendors-h"') :]
    assert "GitHub</strong>" in panel and "partial outage" in panel
    assert f'href="{LINK}"' in panel and "GitHub's incident" in panel
    assert 'href="/incidents/INC-1"' in panel  # the incident it opened on checkout
    assert "checked" in panel
    stripe = panel[panel.index("Stripe") :]
    assert "could not be read" in stripe.split("</li>")[0]

    vendor.summary = Vendor.healthy()
    clock.advance(max(u.poll_every for u in ctx.config.upstreams))
    upstreams.poll_due(database, ctx)
    recovered = bob.get("/").text
    recovered = recovered[recovered.index('id="vendors-h"') :]
    assert "operational" in recovered and LINK not in recovered


@pytest.fixture
def vendor_server(
    db_url: str,
    database: Database,
    ctx: Context,
    tmp_path: Path,
    vendor: Vendor,  # noqa: F811
) -> Iterator[Server]:
    add_personas(db_url, ctx)
    vendor.down()
    upstreams.poll_due(database, ctx)
    path = tmp_path / "warroom.toml"
    lines = ['[status_page]\n[[status_page.components]]\nname = "API"\nservices = ["checkout"]']
    for found in _vendors(vendor.port):
        lines.append("[[upstreams]]")
        for key, value in found.items():
            shown = (
                "[" + ", ".join(f'"{v}"' for v in value) + "]"
                if isinstance(value, list)
                else f'"{value}"'
            )
            lines.append(f"{key} = {shown}")
    path.write_text("\n".join(lines) + "\n")
    running = ConfiguredServer(db_url, tmp_path / "serve.log", path)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


def test_the_vendors_panel_passes_axe_in_chromium(
    chromium: Any, vendor_server: Server, artifacts: Path
) -> None:
    alice = signed_in_page(chromium, vendor_server, "alice", bypass_csp=True)
    found = {}
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        alice.goto("/")
        panel = alice.get_by_role("region", name="Vendors")
        assert panel.get_by_role("link", name="GitHub's incident").get_attribute("href") == LINK
        found[scheme] = axe_violations(alice)
    alice.screenshot(path=str(artifacts / "dashboard-vendors.png"), full_page=True)
    problems = {
        scheme: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in here]
        for scheme, here in found.items()
        if here
    }
    assert not problems, problems
