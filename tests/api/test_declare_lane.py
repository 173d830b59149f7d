"""Declaring is answered by its own lane in front of the app (api/fastlane.py): what a
caller sees must not differ from the rest of the API."""

from __future__ import annotations

from typing import Any

import pytest

from warroom.services.incidents import lifecycle

BASE = "/api/v1/incidents"


def test_an_empty_body_is_422_naming_the_body_and_creates_nothing(client, as_):
    response = client.post(BASE, content=b"", headers=as_("bob"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "body"
    assert client.get(BASE, headers=as_("bob")).json()["items"] == []


def test_a_token_is_checked_before_the_body_is_read(client):
    response = client.post(BASE, content=b"{not json", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["field"] == "authorization"


def test_an_unexpected_failure_is_a_500_problem_without_a_traceback(client, as_, monkeypatch):
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(lifecycle, "declare", broken)
    response = client.post(BASE, json={"title": "x", "severity": "P1"}, headers=as_("bob"))
    assert response.status_code == 500
    assert response.json()["code"] == "internal"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_on_the_path_are_the_apps_405(client, as_, method):
    response = client.request(method, BASE, headers=as_("bob"))
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_declared_incident_reads_back_the_same_from_the_app(client, as_):
    made = client.post(
        BASE,
        json={"title": "Checkout errors", "severity": "P1", "commander": "dana"},
        headers=as_("bob"),
    )
    assert made.status_code == 201
    assert made.headers["content-type"] == "application/json"
    shown = client.get(f"{BASE}/{made.json()['id']}", headers=as_("bob")).json()
    assert {k: v for k, v in shown.items() if k != "timeline"} == made.json()
    assert [e["kind"] for e in shown["timeline"]] == ["declared", "role"]
