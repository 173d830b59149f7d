"""A commander or role holder named through the API must be a person warroom knows when
the config lists people: anyone else is refused (422) naming the field and the people."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.config import WarroomConfig, parse_config


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config({"people": [{"name": "erin"}, {"name": "frank"}]})


def test_an_unknown_commander_or_role_holder_is_refused_naming_who_is_known(
    client: TestClient, as_: Any
) -> None:
    body = {"title": "Disk full", "severity": "P2", "commander": "zed"}
    refused = client.post("/api/v1/incidents", json=body, headers=as_("bob"))
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["field"] == "commander" and "erin, frank" in problem["detail"]
    body["commander"] = "erin"
    assert client.post("/api/v1/incidents", json=body, headers=as_("bob")).status_code == 201
    role = {"role": "scribe", "person": "zed"}
    assigned = client.post("/api/v1/incidents/1/roles", json=role, headers=as_("bob"))
    assert assigned.status_code == 422 and assigned.json()["field"] == "person"
    role["person"] = "frank"
    assert (
        client.post("/api/v1/incidents/1/roles", json=role, headers=as_("bob")).status_code == 200
    )
