"""Once a public incident's post-mortem is published, its public status is `postmortem`
(Statuspage's word) with a short public sentence; the post-mortem's text stays internal."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from warroom.config import WarroomConfig

from .conftest import status_config

INCIDENTS = "/api/v1/incidents"
INTERNAL = "Root cause: the canary skipped the db-7 replica"
SENTENCE = "We wrote up {title}: read it on our blog."


@pytest.fixture
def config() -> WarroomConfig:
    """The admin's own words for the post-mortem state."""
    return status_config(templates={"postmortem": SENTENCE})


def test_a_published_post_mortem_makes_the_public_status_postmortem(
    client: TestClient, as_: Any
) -> None:
    bob = as_("bob")
    body = {"title": "Checkout errors", "severity": "P1", "service": "checkout"}
    ref = client.post(INCIDENTS, json=body, headers=bob).json()["ref"]
    update = {"message": "Payments fail for some customers.", "public": True}
    assert client.post(f"{INCIDENTS}/{ref}/updates", json=update, headers=bob).is_success
    assert client.post(f"{INCIDENTS}/{ref}/resolve", headers=bob).is_success
    assert client.post(f"{INCIDENTS}/{ref}/postmortem", headers=bob).status_code == 201
    edited = client.put(f"{INCIDENTS}/{ref}/postmortem", json={"body": INTERNAL}, headers=bob)
    assert edited.status_code == 200
    [resolved] = client.get("/api/v2/incidents.json").json()["incidents"]
    assert resolved["status"] == "resolved"

    for state in ("in_review", "published"):
        moved = client.post(
            f"{INCIDENTS}/{ref}/postmortem/state", json={"state": state}, headers=bob
        )
        assert moved.status_code == 200, moved.text

    [shown] = client.get("/api/v2/incidents.json").json()["incidents"]  # no stale copy
    assert shown["status"] == "postmortem"
    latest = shown["incident_updates"][0]
    assert latest["status"] == "postmortem"
    assert latest["body"] == SENTENCE.format(title="Checkout errors")
    assert client.get("/api/v2/incidents/unresolved.json").json()["incidents"] == []
    feed = feedparser.parse(client.get("/status/feed.atom").content)
    assert "Postmortem" in feed.entries[0].summary
    page = client.get("/status").text
    assert SENTENCE.format(title="Checkout errors") in page
    everything = page + client.get("/api/v2/summary.json").text
    everything += client.get("/api/v2/incidents.json").text + client.get("/status/feed.rss").text
    assert "canary" not in everything and "db-7" not in everything
