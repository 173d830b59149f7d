"""/demo/inbox: the messages sent to the demo's people, newest first, links clickable and
everything else shown as text; one person's inbox; no such page outside the demo."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from warroom.config import WarroomConfig, parse_config
from warroom.services import demo_inbox

Browse = Callable[[str | None], TestClient]


@pytest.fixture
def config(request: pytest.FixtureRequest) -> WarroomConfig:
    return parse_config({"demo": getattr(request, "param", True)})


def test_the_inbox_shows_each_message_with_its_links_clickable(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    state = app.state.warroom
    now = state.ctx.clock.now()
    sent = [
        (
            "demo://inbox/erin",
            {"subject": "[P1] INC-7 <b>Carts</b>", "body": "Ack: http://h:1/ack/7.x\nThanks"},
        ),
        ("demo://inbox/frank", {"subject": "[P2] INC-8 Slow", "body": "No link"}),
        ("json://127.0.0.1:9/x", {"subject": "elsewhere", "body": "not kept"}),
    ]
    with state.db.write.begin() as session:
        assert demo_inbox.keep(session, sent, now=now) == 2
    bob = browse("bob")
    page = bob.get("/demo/inbox")
    assert page.status_code == 200
    assert '<a href="http://h:1/ack/7.x">http://h:1/ack/7.x</a>' in page.text
    assert "&lt;b&gt;Carts&lt;/b&gt;" in page.text and "elsewhere" not in page.text
    assert page.text.index("INC-8") < page.text.index("INC-7")  # newest first
    erins = bob.get("/demo/inbox", params={"person": "erin"}).text
    assert "INC-7" in erins and "INC-8" not in erins


@pytest.mark.parametrize("config", [False], indirect=True)
def test_outside_the_demo_there_is_no_demo_inbox(browse: Browse) -> None:
    bob = browse("bob")
    assert "/demo/inbox" not in bob.get("/").text
    assert bob.get("/demo/inbox").status_code == 404
