"""The post-mortem editor, action items and reports in a real browser (Debian's
Chromium via Playwright) against a real `warroom serve`: draft, type with the live
preview, save, publish, add an action item; the pages pass axe-core in light and dark;
screenshots of the reports and the editor land in test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import Server
from tests.web.test_browser import axe_violations, expect, signed_in_page

from warroom.db.engine import open_database
from warroom.domain.incidents import Status
from warroom.services.context import Context
from warroom.services.incidents import lifecycle

pytestmark = pytest.mark.slow
LIVE_MS = 3000


def seed(db_url: str, ctx: Context) -> None:
    """Two resolved P2s, a month apart, so the reports have a trend to draw (P2s: the
    server's worker drafts no post-mortem for them, the test does)."""
    database = open_database(db_url)
    try:
        for days, title in ((30, "Search is slow"), (1, "Checkout returns 500")):
            start = ctx.clock.now() - timedelta(days=days)
            with database.write.begin() as session:
                incident = lifecycle.declare(
                    session,
                    ctx=ctx,
                    actor="alice",
                    title=title,
                    severity="P2",
                    service="checkout",
                    at=start,
                )
                for status, minutes in ((Status.ACKNOWLEDGED, 7), (Status.RESOLVED, 50)):
                    lifecycle.change_status(
                        session,
                        ctx=ctx,
                        actor="bob",
                        incident_id=incident.id,
                        status=status,
                        at=start + timedelta(minutes=minutes),
                    )
    finally:
        database.dispose()


def test_write_and_publish_a_post_mortem_in_the_browser(
    chromium: Any, server: Server, db_url: str, ctx: Context, artifacts: Path
) -> None:
    seed(db_url, ctx)
    alice = signed_in_page(chromium, server, "alice")
    alice.goto("/incidents/INC-2")
    alice.get_by_role("link", name="Post-mortem and action items").click()
    alice.get_by_role("button", name="Draft the post-mortem").click()
    editor = alice.get_by_label("Markdown", exact=True)
    expect(editor).to_contain_text("## Root cause")
    editor.fill(
        editor.input_value().replace("## Lessons learned", "## Lessons learned\n\n- Canary first")
    )
    expect(alice.locator("#preview li", has_text="Canary first")).to_be_visible(timeout=LIVE_MS)
    alice.get_by_role("button", name="Save a new version").click()
    expect(alice.get_by_text("version 2 by alice")).to_be_visible()
    expect(alice.locator(".diff .add", has_text="+- Canary first")).to_be_visible()
    alice.get_by_label("Title", exact=True).fill("Canary every deploy")
    alice.get_by_label("Owner", exact=True).fill("bob")
    alice.get_by_label("Due", exact=True).fill("2030-01-31")
    alice.get_by_role("button", name="Add", exact=True).click()
    expect(alice.get_by_role("cell", name="#1 Canary every deploy")).to_be_visible()
    alice.get_by_role("button", name="Publish").click()
    expect(alice.locator(".state")).to_have_text("published")
    alice.screenshot(path=str(artifacts / "postmortem-editor.png"), full_page=True)
    alice.goto("/reports")
    expect(alice.locator("svg[role=img]")).to_have_count(4)
    alice.screenshot(path=str(artifacts / "reports.png"), full_page=True)


def test_the_learning_pages_have_no_serious_accessibility_violations(
    chromium: Any, server: Server, db_url: str, ctx: Context
) -> None:
    seed(db_url, ctx)
    alice = signed_in_page(chromium, server, "alice", bypass_csp=True)
    alice.goto("/incidents/INC-2/postmortem")
    alice.get_by_role("button", name="Draft the post-mortem").click()
    found = {}
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        pages = ("/reports", "/action-items", "/incidents/INC-2/postmortem", "/incidents/INC-2")
        for path in pages:
            alice.goto(path)
            found[f"{path} ({scheme})"] = axe_violations(alice)
    problems = {
        path: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in here]
        for path, here in found.items()
        if here
    }
    assert problems == {}
