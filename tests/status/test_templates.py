"""The admin's words for each public state replace the built-in ones."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.config import ConfigError, WarroomConfig, parse_config

from .conftest import declare, status_config


@pytest.fixture
def config() -> WarroomConfig:
    return status_config(
        templates={"investigating": "{title}: our team is on it {not a placeholder}."}
    )


def test_a_new_public_incident_speaks_in_the_admins_words(app: Any, client: TestClient) -> None:
    state = app.state.warroom
    declare(state.db, state.ctx, "Website down", severity="P0", service="web")
    [shown] = client.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    assert shown["incident_updates"][0]["body"] == (
        "Website down: our team is on it {not a placeholder}."
    )


def test_an_unknown_template_state_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"status_page": {"templates": {"panicking": "Oh no"}}})
    assert any("status_page.templates" in p for p in refused.value.problems)


def test_the_page_and_upstreams_may_name_only_defined_levels_and_services() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(
            {
                "services": [{"name": "checkout"}],
                "status_page": {
                    "publish_severities": ["P9"],
                    "stakeholders": {"SEV1": ["team:leadership"]},
                    "components": [{"name": "API", "services": ["checkout", "billing"]}],
                },
                "upstreams": [
                    {
                        "name": "Stripe",
                        "url": "https://status.example/summary.json",
                        "service": "pay",
                    }
                ],
            }
        )
    problems = refused.value.problems
    assert (
        "status_page.publish_severities: severity 'P9' is not one of ['P0', 'P1', 'P2', 'P3']"
        in problems
    )
    assert any(p.startswith("status_page.stakeholders: severity 'SEV1'") for p in problems)
    assert "status_page.components[0].services: service 'billing' is not in services" in problems
    assert "upstreams[0].service: service 'pay' is not in services" in problems
