"""A whole incident in a real browser (Debian's Chromium, headless, via Playwright) against a
real `warroom serve`: sign in, declare, acknowledge, update, see each other live, resolve,
reopen; a viewer cannot act; pages pass axe-core; screenshots land in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import PASSWORDS, Server

from warroom.db.engine import open_database
from warroom.db.models import DisabledContact
from warroom.services.context import Context
from warroom.services.directory import people

pytestmark = pytest.mark.slow
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
LIVE_MS = 5000  # the page polls every 0.3 s; the margin is for a busy machine (CI runs two)
TITLE = "<script>window.pwned = 1</script> Checkout fails for card payments"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def signed_in_page(chromium: Any, server: Server, name: str, **options: Any) -> Any:
    context = chromium.new_context(base_url=server.base, **options)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("User name", exact=True).fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[name])
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return page


def declare_p1(page: Any) -> None:
    page.get_by_role("link", name="Declare incident").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("P1 High", exact=True).check()
    page.get_by_label("Service", exact=True).fill("payments")
    page.get_by_label("Impact", exact=True).fill("Card customers cannot pay.")
    page.get_by_role("button", name="Declare incident").click()
    expect(page).to_have_url(f"{page.url.split('/incidents')[0]}/incidents/INC-1")


def header_status(page: Any) -> Any:
    return page.locator("#incident-header .status")


def test_whole_incident_in_the_browser_two_people_live(
    chromium: Any, server: Server, artifacts: Path
) -> None:
    alice = signed_in_page(chromium, server, "alice")
    declare_p1(alice)
    expect(alice.get_by_role("heading", level=1)).to_have_text(TITLE)
    alice.evaluate("window.stillTheSamePage = true")
    bob = signed_in_page(chromium, server, "bob")
    bob.goto("/incidents/INC-1")
    bob.evaluate("window.stillTheSamePage = true")
    expect(header_status(bob)).to_have_text("triggered")

    alice.get_by_role("button", name="Acknowledge").click()
    expect(header_status(bob)).to_have_text("acknowledged", timeout=LIVE_MS)
    expect(header_status(alice)).to_have_text("acknowledged", timeout=LIVE_MS)

    alice.get_by_role("button", name="Post update").click()  # empty: refused in place
    expect(alice.locator("#update-message-error")).to_have_text("message must not be empty.")
    expect(alice.get_by_label("Update", exact=True)).to_have_attribute("aria-invalid", "true")
    alice.get_by_label("Update", exact=True).fill(
        "Card payments fail; rolling back the 14:02 deploy."
    )
    alice.get_by_label("Public: also shown on the status page", exact=True).check()
    alice.get_by_role("button", name="Post update").click()
    entry = bob.locator("#timeline li.public").filter(has_text="rolling back the 14:02 deploy")
    expect(entry).to_be_visible(timeout=LIVE_MS)
    expect(entry.locator(".vis-public")).to_have_text("Public")

    bob.get_by_label("Update", exact=True).fill("Rollback finished, error rate back to normal.")
    bob.get_by_role("button", name="Post update").click()
    internal = alice.locator("#timeline li:not(.public)").filter(has_text="Rollback finished")
    expect(internal).to_be_visible(timeout=LIVE_MS)

    alice.get_by_role("button", name="Resolve").click()  # a P1: refused until confirmed
    expect(alice.locator("#resolve-confirm-error")).to_be_visible()
    alice.get_by_label("Yes, P1 INC-1 is over: resolve it").check()
    alice.get_by_role("button", name="Resolve").click()
    expect(header_status(bob)).to_have_text("resolved", timeout=LIVE_MS)
    expect(bob.get_by_role("button", name="Reopen")).to_be_visible(timeout=LIVE_MS)
    bob.get_by_role("button", name="Reopen").click()
    expect(header_status(alice)).to_have_text("investigating", timeout=LIVE_MS)
    expect(header_status(bob)).to_have_text("investigating", timeout=LIVE_MS)

    assert bob.evaluate("window.stillTheSamePage") is True  # live, not reloaded
    assert alice.evaluate("window.stillTheSamePage") is True  # forms posted in place
    for page in (alice, bob):
        assert page.evaluate("typeof window.pwned") == "undefined"  # the title stayed text
    for scheme in ("dark", "light"):
        alice.emulate_media(color_scheme=scheme)
        alice.goto("/incidents/INC-1")
        alice.screenshot(path=str(artifacts / f"incident-room-{scheme}.png"), full_page=True)
        alice.goto("/")
        expect(alice.get_by_text(TITLE)).to_be_visible()
        alice.screenshot(path=str(artifacts / f"dashboard-{scheme}.png"), full_page=True)
    alice.set_viewport_size({"width": 390, "height": 844})  # a phone
    alice.goto("/incidents/INC-1")
    alice.screenshot(path=str(artifacts / "incident-room-phone.png"), full_page=True)


def test_a_viewer_sees_no_actions_and_is_refused_when_posting(
    chromium: Any, server: Server
) -> None:
    alice = signed_in_page(chromium, server, "alice")
    declare_p1(alice)
    charlie = signed_in_page(chromium, server, "charlie")
    expect(charlie.get_by_role("link", name="Declare incident")).to_have_count(0)
    charlie.goto("/incidents/INC-1")
    expect(charlie.get_by_role("heading", level=1)).to_have_text(TITLE)
    for name in ("Acknowledge", "Post update", "Resolve", "Change severity", "Assign role"):
        expect(charlie.get_by_role("button", name=name)).to_have_count(0)
    csrf = charlie.locator("input[name=csrf]").first.get_attribute("value")
    answer = charlie.request.post(
        "/incidents/INC-1/acknowledge", form={"csrf": csrf, "seen_status": "triggered"}
    )
    assert answer.status == 403
    assert "only responders and admins can act" in answer.text()
    charlie.goto("/incidents/INC-1")
    expect(header_status(charlie)).to_have_text("triggered")


def test_every_action_works_without_javascript(chromium: Any, server: Server) -> None:
    bob = signed_in_page(chromium, server, "bob", java_script_enabled=False)
    declare_p1(bob)
    bob.get_by_role("button", name="Acknowledge").click()
    expect(header_status(bob)).to_have_text("acknowledged")
    bob.get_by_label("Update", exact=True).fill("Looking at the payment gateway logs.")
    bob.get_by_role("button", name="Post update").click()
    expect(bob.locator("#timeline")).to_contain_text("Looking at the payment gateway logs.")
    bob.get_by_label("New severity", exact=True).select_option("P0")
    bob.get_by_label("Reason", exact=True).fill("All card payments fail")
    bob.get_by_role("button", name="Change severity").click()
    expect(bob.locator("#incident-header .sev")).to_have_text("P0")
    bob.get_by_label("Role", exact=True).select_option("scribe")
    bob.get_by_label("Person", exact=True).select_option("alice")
    bob.get_by_role("button", name="Assign role").click()
    expect(bob.locator("#incident-header")).to_contain_text("alice")
    bob.get_by_label("Update", exact=True).fill("")
    bob.get_by_role("button", name="Post update").click()
    expect(bob.get_by_text("message must not be empty.")).to_be_visible()
    bob.get_by_label("Yes, P0 INC-1 is over: resolve it").check()
    bob.get_by_role("button", name="Resolve").click()
    expect(header_status(bob)).to_have_text("resolved")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def add_person_with_a_disabled_contact(db_url: str, ctx: Context) -> None:
    """erin, whose one contact failed for good: /people then shows its admin form."""
    url = "json://127.0.0.1:9/erin"
    database = open_database(db_url)
    try:
        with database.write.begin() as session:
            people.add(session, ctx=ctx, actor="admin", fields={"name": "erin", "contacts": [url]})
            session.add(
                DisabledContact(
                    person="erin", url=url, reason="HTTP 410", disabled_at=ctx.clock.now()
                )
            )
    finally:
        database.dispose()


def test_pages_have_no_serious_accessibility_violations(
    chromium: Any, server: Server, db_url: str, ctx: Context
) -> None:
    add_person_with_a_disabled_contact(db_url, ctx)
    anonymous = chromium.new_context(base_url=server.base, bypass_csp=True).new_page()
    anonymous.goto("/login")
    found = {"/login": axe_violations(anonymous)}
    alice = signed_in_page(chromium, server, "alice", bypass_csp=True)
    declare_p1(alice)
    alice.get_by_role("button", name="Acknowledge").click()
    expect(header_status(alice)).to_have_text("acknowledged")
    for path in (
        "/",
        "/incidents/INC-1",
        "/incidents/new",
        "/incidents?status=all",
        "/people",
        "/integrations",
        "/audit",
    ):
        alice.goto(path)
        found[path] = axe_violations(alice)
    for scheme in ("light", "dark"):
        alice.emulate_media(color_scheme=scheme)
        alice.goto("/incidents/INC-1")
        found[f"/incidents/INC-1 ({scheme})"] = axe_violations(alice)
    alice.goto("/people")  # the admin's form on the page checked above works
    alice.get_by_role("button", name="Turn back on").click()
    expect(alice.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(alice.get_by_text("disabled", exact=True)).to_have_count(0)
    problems = {
        path: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found_here]
        for path, found_here in found.items()
        if found_here
    }
    assert not problems, problems


def test_two_servers_on_one_database_share_sessions_and_live_updates(
    chromium: Any, server: Server, db_url: str, tmp_path: Path
) -> None:
    other = Server(db_url, tmp_path / "serve-2.log")
    try:
        other.wait()
        alice = signed_in_page(chromium, server, "alice")
        declare_p1(alice)
        cookie = next(c for c in alice.context.cookies() if c["name"] == "warroom_session")
        bob_context = chromium.new_context(base_url=other.base)
        bob_context.add_cookies(  # alice's session, opened on the first server, works here
            [{"name": cookie["name"], "value": cookie["value"], "url": other.base}]
        )
        seen_by_other = bob_context.new_page()
        seen_by_other.goto("/incidents/INC-1")
        expect(seen_by_other.locator(".who")).to_contain_text("alice")
        alice.get_by_label("Update", exact=True).fill("Posted on the first server.")
        alice.get_by_role("button", name="Post update").click()
        entry = seen_by_other.locator("#timeline").get_by_text("Posted on the first server.")
        expect(entry).to_be_visible(timeout=LIVE_MS)
    finally:
        other.stop()
