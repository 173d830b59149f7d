"""The post-mortem editor, the action items and the reports pages, rendered by the
server (no browser): every action works as a plain form post."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

from warroom.clock import FrozenClock
from warroom.domain.incidents import Status
from warroom.services.incidents import lifecycle

Browse = Callable[[str | None], TestClient]


def resolved_p1(app, clock: FrozenClock, ago: timedelta = timedelta(hours=1)) -> str:  # type: ignore[no-untyped-def]
    """A P1 on checkout declared `ago`, acknowledged after 6 min, resolved after 45."""
    state = app.state.warroom
    title = "Checkout returns 500"
    start = clock.now() - ago
    with state.db.write.begin() as session:
        incident = lifecycle.declare(
            session,
            ctx=state.ctx,
            actor="alice",
            title=title,
            severity="P1",
            service="checkout",
            at=start,
        )
        for status, minutes in ((Status.ACKNOWLEDGED, 6), (Status.RESOLVED, 45)):
            lifecycle.change_status(
                session,
                ctx=state.ctx,
                actor="bob",
                incident_id=incident.id,
                status=status,
                at=start + timedelta(minutes=minutes),
            )
        return f"INC-{incident.id}"


def post(client: TestClient, path: str, page: str, **data: str) -> object:
    return client.post(
        path, data={"csrf": csrf_of(client.get(page).text), **data}, follow_redirects=False
    )


def test_draft_edit_preview_publish_from_the_editor(
    app, browse: Browse, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    ref = resolved_p1(app, clock)
    bob = browse("bob")
    page = f"/incidents/{ref}/postmortem"
    assert "No post-mortem yet" in bob.get(page).text
    assert post(bob, f"{page}/draft", page).status_code == 303
    html = bob.get(page).text
    body = unescape(re.search(r'<textarea id="pm-body"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    assert "## Root cause" in body and "<h2>Root cause</h2>" in html  # the preview
    changed = body.replace("## What went well\n\n-", "## What went well\n\n- Rollback in 5 min")
    shown = bob.post(
        page, data={"csrf": csrf_of(html), "body": changed, "base_version": "1", "preview": "1"}
    )
    assert "<li>Rollback in 5 min</li>" in shown.text  # previewed, not saved
    assert "version 1 by bob" in shown.text
    saved = post(bob, page, page, body=changed, base_version="1")
    assert saved.status_code == 303
    html = bob.get(page).text
    assert "version 2 by bob" in html and "+- Rollback in 5 min" in unescape(html)
    stale = post(bob, page, page, body="Other text", base_version="1")
    assert stale.status_code == 409 and "reload it" in stale.text
    assert post(bob, f"{page}/state", page, state="published").status_code == 303
    assert '<span class="state">published</span>' in bob.get(page).text
    room = bob.get(f"/incidents/{ref}").text
    assert "<strong>published</strong>, version 3" in room


def test_a_viewer_reads_but_cannot_change(app, browse: Browse, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    ref = resolved_p1(app, clock)
    bob, charlie = browse("bob"), browse("charlie")
    page = f"/incidents/{ref}/postmortem"
    post(bob, f"{page}/draft", page)
    html = charlie.get(page).text
    assert "readonly" in html and "Save a new version" not in html
    refused = charlie.post(page, data={"csrf": csrf_of(html), "body": "x"})
    assert refused.status_code == 403


def test_action_items_are_added_with_their_field_named_when_refused(
    app,
    browse: Browse,
    clock: FrozenClock,  # type: ignore[no-untyped-def]
) -> None:
    ref = resolved_p1(app, clock)
    bob = browse("bob")
    page = f"/incidents/{ref}/postmortem"
    unknown = post(
        bob,
        f"/incidents/{ref}/action-items",
        page,
        title="Canary",
        owner="ghost",
        due="2026-11-20",
        kind="prevent",
    )
    assert unknown.status_code == 422 and 'id="owner-error"' in unknown.text
    assert 'value="Canary"' in unknown.text  # what was typed is kept
    past = post(
        bob,
        f"/incidents/{ref}/action-items",
        page,
        title="Canary",
        owner="bob",
        due="2026-10-01",
        kind="prevent",
    )
    assert past.status_code == 422 and 'id="due_at-error"' in past.text
    made = post(
        bob,
        f"/incidents/{ref}/action-items",
        page,
        title="Canary every deploy",
        owner="bob",
        due="2026-11-04",
        kind="prevent",
    )
    assert made.status_code == 303
    listed = bob.get("/action-items").text
    assert "Canary every deploy" in listed and "<strong>overdue<" not in listed
    clock.advance(timedelta(days=3))
    listed = bob.get("/action-items?overdue=on").text
    assert 'class="overdue"' in listed and "<strong>overdue</strong>" in listed
    item = re.search(r'action="/action-items/(\d+)/status"', listed).group(1)
    page = "/action-items"
    done = post(bob, f"{page}/{item}/status", page, status="done", back=page)
    assert done.status_code == 303
    assert "No action items." in bob.get("/action-items").text


def test_an_admin_closes_without_the_post_mortem_giving_a_reason(
    app,
    browse: Browse,
    clock: FrozenClock,  # type: ignore[no-untyped-def]
) -> None:
    ref = resolved_p1(app, clock)
    page = f"/incidents/{ref}/postmortem"
    assert "Close anyway" not in browse("bob").get(page).text
    alice = browse("alice")
    empty = post(alice, f"/incidents/{ref}/close-anyway", page, reason=" ")
    assert empty.status_code == 422 and 'id="reason-error"' in empty.text
    closed = post(alice, f"/incidents/{ref}/close-anyway", page, reason="Vendor's own RCA")
    assert closed.status_code == 303
    assert "closed" in alice.get(page).text and "Close anyway" not in alice.get(page).text


def test_the_reports_page_draws_charts_with_their_numbers_beside_them(
    app,
    browse: Browse,
    clock: FrozenClock,  # type: ignore[no-untyped-def]
) -> None:
    resolved_p1(app, clock)
    resolved_p1(app, clock, ago=timedelta(days=20))  # October: a trend of two months
    html = browse("charlie").get("/reports").text
    assert html.count("<svg") == 4 and html.count('role="img"') == 4
    assert "<polyline" in html and '<rect class="bar"' in html
    assert '<th scope="row">2026-11</th><td>1</td><td>6 min</td><td>45 min</td>' in html
    assert '<th scope="row">checkout</th>' in html
    empty = browse("charlie").get("/reports?since=2025-01-01&until=2025-02-01").text
    assert "No incidents in this range." in empty
    bad = browse("charlie").get("/reports?since=yesterday-ish")
    assert bad.status_code == 422 and "since" in bad.text


def test_the_room_lists_similar_past_incidents(app, browse: Browse, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    past = resolved_p1(app, clock, ago=timedelta(days=2))
    fresh = resolved_p1(app, clock)
    room = browse("charlie").get(f"/incidents/{fresh}").text
    assert (
        "Similar past incidents" in room
        and f'<a href="/incidents/{past}">{past} Checkout returns 500</a>' in room
    )
