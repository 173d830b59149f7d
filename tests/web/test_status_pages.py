"""The public /status page (no sign-in, no JavaScript, the brand's colours) and the
responders' /status/manage page and room panel."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.status.conftest import declare, status_config, update
from tests.web.conftest import csrf_of

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig

Browse = Callable[[str | None], TestClient]


@pytest.fixture
def config() -> WarroomConfig:
    return status_config()


def test_the_public_page_needs_no_sign_in_and_shows_the_public_story(
    app: Any, browse: Browse, clock: FrozenClock
) -> None:
    state = app.state.warroom
    nobody = browse(None)
    quiet = nobody.get("/status")
    assert quiet.status_code == 200
    assert "All Systems Operational" in quiet.text
    assert "<script" not in quiet.text
    assert "Acme Status" in quiet.text
    assert "Internal tools" not in quiet.text  # a hidden component
    assert quiet.text.count('class="bar bar-operational"') == 2 * 90  # two shown components

    incident = declare(state.db, state.ctx, "Checkout errors", summary="secret-summary")
    update(state.db, state.ctx, incident, "Card payments fail for some customers.", public=True)
    page = nobody.get("/status").text
    assert "Partial System Outage" in page
    assert "Card payments fail for some customers." in page
    assert "secret-summary" not in page
    assert "Partial outage" in page  # the API component
    assert "No incidents reported." in page  # the other past days

    brand_css = re.search(r'href="(/status/brand\.css\?v=[^"]+)"', page)
    assert brand_css is not None
    assert "#0a7d4f" in nobody.get(brand_css.group(1)).text
    css = re.search(r'href="(/static/status\.css\?v=[^"]+)"', page)
    assert css is not None and nobody.get(css.group(1)).status_code == 200


def test_the_page_answers_not_modified_to_a_repeat_and_changes_after_an_update(
    app: Any, browse: Browse
) -> None:
    state = app.state.warroom
    nobody = browse(None)
    first = nobody.get("/status")
    again = nobody.get("/status", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    incident = declare(state.db, state.ctx, "Slow search")
    update(state.db, state.ctx, incident, "Search is slow.", public=True)
    changed = nobody.get("/status", headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and "Search is slow." in changed.text


def test_subscribing_by_the_form_without_javascript(browse: Browse) -> None:
    nobody = browse(None)
    answer = nobody.post("/status/subscribe", data={"url": "http://127.0.0.1:9/hook"})
    assert answer.status_code == 202 and "Subscribed" in answer.text
    bad = nobody.post("/status/subscribe", data={"url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "url" in bad.text
    unknown = nobody.get("/status/unsubscribe/not-a-token")
    assert unknown.status_code == 404


def test_responders_set_components_and_plan_maintenance_from_the_manage_page(
    browse: Browse, clock: FrozenClock
) -> None:
    bob = browse("bob")
    page = bob.get("/status/manage")
    assert page.status_code == 200 and "Plan maintenance" in page.text
    token = csrf_of(page.text)
    set_it = bob.post(
        "/status/manage/components",
        data={"csrf": token, "component": "api", "status": "major_outage", "reason": "db down"},
        follow_redirects=False,
    )
    assert set_it.status_code == 303
    assert "Major Service Outage" in bob.get("/status").text

    start = (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = (clock.now() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    refused = bob.post(
        "/status/manage/maintenance",
        data={
            "csrf": token,
            "title": "Upgrade",
            "starts_at": start,
            "ends_at": end,
            "components": "api",
        },
    )
    assert refused.status_code == 422 and "ends_at must be after starts_at" in refused.text
    end = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    planned = bob.post(
        "/status/manage/maintenance",
        data={
            "csrf": token,
            "title": "Upgrade",
            "starts_at": start,
            "ends_at": end,
            "components": "api",
        },
        follow_redirects=False,
    )
    assert planned.status_code == 303
    assert "Upgrade" in bob.get("/status").text


def test_viewers_see_the_manage_page_but_cannot_act(browse: Browse) -> None:
    charlie = browse("charlie")
    page = charlie.get("/status/manage")
    assert page.status_code == 200 and "Plan maintenance" not in page.text
    refused = charlie.post(
        "/status/manage/components",
        data={
            "csrf": csrf_of(charlie.get("/incidents").text) if False else "x",
            "component": "api",
            "status": "major_outage",
        },
    )
    assert refused.status_code == 403


def test_publishing_from_the_room(app: Any, browse: Browse) -> None:
    state = app.state.warroom
    incident = declare(state.db, state.ctx, "Checkout errors")
    bob = browse("bob")
    room = bob.get(f"/incidents/INC-{incident}")
    assert "Public title" in room.text
    done = bob.post(
        f"/incidents/INC-{incident}/publish",
        data={"csrf": csrf_of(room.text), "title": "Checkout trouble"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Checkout trouble" in browse(None).get("/status").text
