"""Every link a signed-in person can follow from the pages leads to a page that exists
(no link to a page warroom does not have, such as a status page before there is one);
the demo's inbox is in the menu of the demo alone, and no page elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from warroom.config import WarroomConfig, parse_config
from warroom.services.incidents import lifecycle

Browse = Callable[[str | None], TestClient]
HREF = re.compile(r'href="(/[^"#]*)"')
START = ["/", "/incidents", "/incidents/new", "/people", "/integrations", "/demo/inbox"]


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config({"demo": True})


def test_every_link_on_the_pages_leads_to_a_page_that_exists(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    with state.db.write.begin() as session:
        lifecycle.declare(session, ctx=state.ctx, actor="alice", title="Disk full", severity="P1")
    alice = browse("alice")
    to_visit, seen = [*START, "/incidents/INC-1"], set()
    while to_visit:
        path = to_visit.pop()
        if path in seen or path.startswith(("/logout", "/static/")):
            continue
        seen.add(path)
        answer = alice.get(path)
        assert answer.status_code != 404, path
        to_visit += [href.replace("&amp;", "&") for href in HREF.findall(answer.text)]
    assert "/demo/inbox" in seen and "/people" in seen


def test_the_demo_inbox_is_in_the_demos_menu(browse: Browse) -> None:
    assert 'href="/demo/inbox"' in browse("bob").get("/").text
