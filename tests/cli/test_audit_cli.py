"""Every write command records who ran it: `--by`, else $WARROOM_ACTOR; `warroom audit`
(and `GET /api/v1/audit`) lists what changed the setup, newest first."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from warroom.cli import app as cli_app


@pytest.fixture
def run(db_url: str) -> Any:
    runner = CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None})

    def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url], env=env)

    return invoke


def trail(run: Any) -> list[tuple[str, str, str]]:
    shown = run("audit", "--json")
    assert shown.exit_code == 0, shown.stderr
    return [(e["actor"], e["action"], e["subject"]) for e in json.loads(shown.stdout)["items"]]


def test_write_commands_record_by_or_the_environment_actor(run: Any) -> None:
    assert run("person", "add", "erin", "--by", "frank").exit_code == 0
    assert run("team", "add", "db", "--member", "erin").exit_code == 0  # $WARROOM_ACTOR
    assert run("token", "create", "ci", "--role", "viewer", "--by", "gus").exit_code == 0
    assert run("token", "revoke", "ci").exit_code == 0
    made = run("integration", "create", "prom", "--kind", "alertmanager", "--by", "hana")
    assert made.exit_code == 0, made.stderr
    assert run("integration", "disable", "prom", env={"WARROOM_ACTOR": "ivy"}).exit_code == 0
    assert trail(run) == [
        ("ivy", "integration.disable", "prom"),
        ("hana", "integration.create", "prom"),
        ("dana", "token.revoke", "ci"),
        ("gus", "token.create", "ci"),
        ("dana", "team.add", "db"),
        ("frank", "person.add", "erin"),
    ]


@pytest.mark.parametrize("given", ["", "   "])
def test_an_empty_actor_is_refused_naming_by_and_changes_nothing(run: Any, given: str) -> None:
    refused = run("person", "add", "erin", "--by", given)
    assert refused.exit_code == 2
    assert "--by" in refused.stderr
    from_environment = run("team", "add", "db", "--member", "x", env={"WARROOM_ACTOR": given})
    if given:  # a blank $WARROOM_ACTOR is refused too; an empty one means "not set"
        assert from_environment.exit_code == 2 and "--by" in from_environment.stderr
    assert ("person.add", "erin") not in [(a, s) for _, a, s in trail(run)]


def test_incident_commands_refuse_an_empty_actor_as_well(run: Any) -> None:
    refused = run("declare", "Disk full", "--severity", "P2", "--by", " ")
    assert refused.exit_code == 2 and "--by" in refused.stderr
    assert json.loads(run("ls", "--json").stdout)["items"] == []


def test_the_api_records_the_token_and_lists_the_trail_to_admins(
    client: TestClient, as_: Any
) -> None:
    body = {"name": "deploy-bot", "role": "responder"}
    made = client.post("/api/v1/tokens", headers=as_("alice"), json=body)
    assert made.status_code == 201, made.text
    listed = client.get("/api/v1/audit", headers=as_("alice"))
    assert listed.status_code == 200
    [entry] = [e for e in listed.json()["items"] if e["subject"] == "deploy-bot"]
    assert (entry["actor"], entry["action"]) == ("alice", "token.create")
    assert client.get("/api/v1/audit", headers=as_("bob")).status_code == 403
