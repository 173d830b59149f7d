"""The public status API: Statuspage's document shapes, and nothing internal in them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
from fastapi.testclient import TestClient
from sqlalchemy import update as update_

from warroom.clock import FrozenClock
from warroom.db.models import Incident
from warroom.domain.incidents import Status
from warroom.services.incidents import lifecycle
from warroom.services.status import statuspage

from .conftest import declare, update

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
DOCUMENTS = [f"/api/v2/{name}.json" for name in statuspage.DOCUMENTS]


def _statuspage(name: str) -> Any:
    return json.loads((PAYLOADS / f"statuspage_{name}.json").read_text())


def _state(app: Any) -> Any:
    return app.state.warroom


def test_a_quiet_page_says_all_systems_operational(client: TestClient) -> None:
    status = client.get("/api/v2/status.json")
    assert status.status_code == 200
    assert status.json()["status"] == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    components = client.get("/api/v2/components.json").json()["components"]
    names = {c["name"]: c["status"] for c in components}
    assert names == {"API": "operational", "Website": "operational", "Platform": "operational"}


def test_every_document_has_statuspages_field_names(app: Any, client: TestClient) -> None:
    state = _state(app)
    incident = declare(state.db, state.ctx, "Checkout slow")
    update(state.db, state.ctx, incident, "Payments are slower than usual.", public=True)
    for name in statuspage.DOCUMENTS:
        ours = client.get(f"/api/v2/{name}.json").json()
        theirs = _statuspage(name.replace("-", "_").replace("/", "_"))
        assert set(theirs) <= set(ours), name
        assert set(theirs["page"]) <= set(ours["page"]), name
        for key in ("components", "incidents", "scheduled_maintenances"):
            if key in theirs and theirs[key] and ours[key]:
                assert set(theirs[key][0]) - {"incident_updates"} <= set(ours[key][0]), name
    [shown] = client.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    [their_update] = _statuspage("incidents_unresolved")["incidents"][0]["incident_updates"][:1]
    assert set(their_update) <= set(shown["incident_updates"][0])


def test_a_public_update_publishes_the_incident_with_public_words_only(
    app: Any, client: TestClient, clock: FrozenClock
) -> None:
    state = _state(app)
    incident = declare(
        state.db,
        state.ctx,
        "Checkout errors",
        summary="zebra-summary deploy 4f2c broke the cart",
        impact="quokka-impact enterprise tenants",
        commander="alice",
    )
    update(state.db, state.ctx, incident, "narwhal-internal: rollback of db-7 failed", public=False)
    with state.db.write.begin() as session:
        lifecycle.change_status(
            session,
            ctx=state.ctx,
            actor="bob",
            incident_id=incident,
            status=Status.IDENTIFIED,
            message="okapi-status: bob's laptop pushed a bad config",
        )
    assert client.get("/api/v2/incidents.json").json()["incidents"] == []  # not public yet

    clock.advance(timedelta(minutes=3))
    update(state.db, state.ctx, incident, "Some payments fail; a fix is on its way.", public=True)
    summary = client.get("/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "major"
    [shown] = summary["incidents"]
    assert shown["name"] == "Checkout errors"
    assert shown["status"] == "identified"
    assert shown["impact"] == "major"
    assert [u["body"] for u in shown["incident_updates"]] == [
        "Some payments fail; a fix is on its way."
    ]
    assert shown["incident_updates"][0]["status"] == "identified"
    api = next(c for c in summary["components"] if c["name"] == "API")
    assert api["status"] == "partial_outage"

    secrets = (
        "zebra",
        "quokka",
        "narwhal",
        "okapi",
        "alice",
        "bob",
        "4f2c",
        "db-7",
        "Internal tools",
    )
    responses = [
        client.get(path)
        for path in [*DOCUMENTS, "/status", "/status/feed.atom", "/status/feed.rss"]
    ]
    for answer in responses:
        assert answer.status_code == 200, answer.url
        for word in secrets:
            assert word not in answer.text, (answer.url, word)


def test_drills_never_appear_even_when_posted_public(app: Any, client: TestClient) -> None:
    state = _state(app)
    drill_id = declare(state.db, state.ctx, "Game day", severity="P0", service="web")
    with state.db.write.begin() as session:  # a drill (warroom's drills are marked so)
        session.execute(update_(Incident).where(Incident.id == drill_id).values(drill=True))
    update(state.db, state.ctx, drill_id, "Practising a failover.", public=True)
    assert client.get("/api/v2/incidents.json").json()["incidents"] == []
    assert "Game day" not in client.get("/status").text


def test_a_p0_is_public_at_once_and_resolution_shows_the_resolved_template(
    app: Any, client: TestClient, clock: FrozenClock
) -> None:
    state = _state(app)
    incident = declare(state.db, state.ctx, "Website down", severity="P0", service="web")
    [shown] = client.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    assert shown["impact"] == "critical"
    assert shown["incident_updates"][0]["status"] == "investigating"
    assert "Website down" in shown["incident_updates"][0]["body"]
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "critical"

    clock.advance(timedelta(minutes=40))
    with state.db.write.begin() as session:
        lifecycle.change_status(
            session, ctx=state.ctx, actor="bob", incident_id=incident, status=Status.RESOLVED
        )
    clock.advance(timedelta(seconds=2))  # past the cache's life for changes it is not told of
    assert client.get("/api/v2/incidents/unresolved.json").json()["incidents"] == []
    [past] = client.get("/api/v2/incidents.json").json()["incidents"]
    assert past["status"] == "resolved"
    assert past["resolved_at"] is not None
    assert past["incident_updates"][0]["status"] == "resolved"
    website = next(
        c
        for c in client.get("/api/v2/components.json").json()["components"]
        if c["name"] == "Website"
    )
    assert website["status"] == "operational"


def test_the_feeds_parse_and_carry_the_public_update(app: Any, client: TestClient) -> None:
    state = _state(app)
    incident = declare(state.db, state.ctx, "Slow search")
    update(
        state.db, state.ctx, incident, "Search answers in seconds, not milliseconds.", public=True
    )
    for path, version in (("/status/feed.atom", "atom10"), ("/status/feed.rss", "rss20")):
        answer = client.get(path)
        feed = feedparser.parse(answer.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.version == version
        [entry] = feed.entries
        assert entry.title == "Slow search"
        assert "Search answers in seconds" in entry.summary


def test_unknown_documents_are_404_problems(client: TestClient) -> None:
    answer = client.get("/api/v2/nothing.json")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
