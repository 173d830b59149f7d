"""Dashboard, declare and the incident list, rendered by the server (no browser)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.support import declare, in_app
from tests.web.conftest import PRIMARY_SCHEDULE, csrf_of

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.services.incidents import lifecycle

Browse = Callable[[str | None], TestClient]


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config(
        {
            "people": [{"name": "erin"}, {"name": "frank"}],
            "schedules": [PRIMARY_SCHEDULE],
            "services": [{"name": "payments"}, {"name": "search"}],
        }
    )


def test_declare_shows_each_severity_with_its_definition_and_examples(browse: Browse) -> None:
    html = browse("bob").get("/incidents/new").text
    assert "The product is down for everyone" in html
    assert "For example: Every page or API call fails" in html
    assert "Acknowledge within 5m" in html
    assert re.search(r'<option value="payments"', html)


def test_declare_creates_the_incident_and_opens_its_room(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    bob = browse("bob")
    token = csrf_of(bob.get("/incidents/new").text)
    answer = bob.post(
        "/incidents/new",
        data={
            "csrf": token,
            "title": "Search is slow",
            "severity": "P1",
            "service": "search",
            "impact": "Results take 10 s",
            "commander": "bob",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    room = bob.get(answer.headers["location"]).text
    assert "Search is slow" in room and "Results take 10 s" in room
    assert re.search(r"<dt>Commander</dt><dd>bob</dd>", room)


def test_a_refused_declaration_keeps_everything_typed(browse: Browse) -> None:
    bob = browse("bob")
    token = csrf_of(bob.get("/incidents/new").text)
    answer = bob.post(
        "/incidents/new",
        data={
            "csrf": token,
            "title": "Search is slow",
            "severity": "P1",
            "service": "nope",
            "impact": "Results take 10 s",
        },
    )
    assert answer.status_code == 422
    html = answer.text
    assert "service &#39;nope&#39; is not one of payments, search." in html
    assert 'value="Search is slow"' in html and ">Results take 10 s</textarea>" in html
    assert re.search(r'id="severity-P1"[^>]* checked', html)
    missing = bob.post("/incidents/new", data={"csrf": token, "title": "x"})
    assert "Choose a severity." in missing.text


def test_viewers_cannot_open_the_declare_form(browse: Browse) -> None:
    answer = browse("charlie").get("/incidents/new")
    assert answer.status_code == 403


def test_the_dashboard_groups_open_incidents_by_severity_and_marks_overdue(
    app, browse: Browse, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    declare(*in_app(app), "Payments down", severity="P0", service="payments")
    declare(*in_app(app), "Search slow", severity="P2", service="search")
    done = declare(*in_app(app), "Old thing", severity="P3")
    state = app.state.warroom
    with state.db.write.begin() as session:
        lifecycle.resolve(session, ctx=state.ctx, actor="alice", incident_id=done)
    clock.advance(timedelta(minutes=6))  # P0 must be acknowledged within 5 minutes
    html = browse("bob").get("/").text
    p0, p2 = html.index(">P0</span> Critical"), html.index(">P2</span> Medium")
    assert p0 < html.index("Payments down") < p2 < html.index("Search slow")
    assert re.search(r'class="countdown overdue"[^>]*>overdue 1m 00s<', html)
    recent = html[html.index("Recently resolved") :]
    assert "Old thing" in recent
    assert "2 open incidents" in html


def test_the_dashboard_says_who_is_on_call_now(browse: Browse) -> None:
    html = browse("charlie").get("/").text
    on_call = html[html.index("On call now") :]
    assert re.search(r"<strong>frank</strong> <span class=\"muted\">primary</span>", on_call)
    assert "then erin" in on_call  # frank's week began at 09:00 on Monday 2 November


def test_the_list_filters_by_status_severity_service_and_text(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    declare(*in_app(app), "Payments down", severity="P0", service="payments")
    declare(*in_app(app), "Search slow", severity="P2", service="search")
    gone = declare(*in_app(app), "Search index stale", severity="P2", service="search")
    state = app.state.warroom
    with state.db.write.begin() as session:
        lifecycle.resolve(session, ctx=state.ctx, actor="alice", incident_id=gone)
    bob = browse("bob")

    def titles(query: str) -> list[str]:
        html = bob.get(f"/incidents?{query}").text
        return re.findall(r'<span class="ref">INC-\d+</span> ([^<]+)</a>', html)

    assert titles("") == ["Search slow", "Payments down"]  # open, newest first
    assert titles("status=all&service=search") == ["Search index stale", "Search slow"]
    assert titles("status=all&q=INDEX") == ["Search index stale"]
    assert titles(f"status=all&q=INC-{gone}") == ["Search index stale"]
    assert titles("status=all&severity=P0") == ["Payments down"]
    assert titles("status=resolved") == ["Search index stale"]


def test_the_list_pages_through_many_incidents(app, browse: Browse) -> None:  # type: ignore[no-untyped-def]
    for n in range(55):
        declare(*in_app(app), f"Incident number {n}", severity="P2")
    bob = browse("bob")
    first = bob.get("/incidents?status=all").text
    assert first.count('<td class="title-cell">') == 50
    older = re.search(r'href="(/incidents\?[^"]+cursor=[\d.]+)">Older incidents', first)
    assert older
    second = bob.get(older.group(1).replace("&amp;", "&")).text
    assert second.count('<td class="title-cell">') == 5
    assert "Incident number 0<" in second


def test_a_bad_filter_is_shown_next_to_its_field(browse: Browse) -> None:
    answer = browse("bob").get("/incidents?status=sleeping")
    assert answer.status_code == 422
    assert 'id="status-error" role="alert">status &#39;sleeping&#39; is not one of' in answer.text
