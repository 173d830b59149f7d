"""/people: who is on call, how each person is reached, which contacts are disabled and
which notifications failed; an admin turns a disabled contact back on from the page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.receivers import Receiver, receiver
from tests.web.conftest import PRIMARY_SCHEDULE, csrf_of

from warroom.config import WarroomConfig, parse_config
from warroom.scheduler.worker import Worker
from warroom.services.paging import deliveries

Browse = Callable[[str | None], TestClient]


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(
        {
            "people": [
                {"name": "erin", "contacts": [f"json://127.0.0.1:{hook.port}/erin"]},
                {"name": "frank"},
            ],
            "schedules": [PRIMARY_SCHEDULE],
        }
    )


@pytest.fixture
def refused(app, hook: Receiver) -> None:  # type: ignore[no-untyped-def]
    """erin's endpoint answered 410 to a test message: her contact is disabled."""
    state = app.state.warroom
    hook.fail_with = [410]
    with state.db.write.begin() as session:
        deliveries.send_test(session, ctx=state.ctx, actor="admin", name="erin")
    Worker(state.db, state.ctx).run_due()


def test_everyone_sees_who_is_on_call_and_what_failed_but_only_admins_can_fix_it(
    browse: Browse, refused: None
) -> None:
    html = browse("charlie").get("/people").text
    # the week of 2 November is frank's turn, then erin's
    assert '<strong>frank</strong> <span class="muted">primary</span>' in html
    assert "then erin" in html
    assert "json (127.0.0.1)" in html and ">disabled</strong>" in html
    assert "no contact: pages cannot reach frank" in html
    assert "warroom test notification for erin" in html and "error=410" in html
    assert "Turn back on" not in html
    assert "Turn back on" not in browse("bob").get("/people").text


def test_an_admin_turns_a_disabled_contact_back_on(
    browse: Browse, refused: None, hook: Receiver
) -> None:
    alice = browse("alice")
    page = alice.get("/people").text
    [action] = re.findall(r'action="(/people/erin/contacts/\w+/enable)"', page)
    bob = browse("bob")
    refused_post = bob.post(action, data={"csrf": csrf_of(bob.get("/people").text)})
    assert refused_post.status_code == 403
    done = alice.post(action, data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/people")
    after = alice.get("/people").text
    assert ">disabled</strong>" not in after and "Turn back on" not in after
    expired = alice.post(action, data={"csrf": "forged"})
    assert expired.status_code == 403
