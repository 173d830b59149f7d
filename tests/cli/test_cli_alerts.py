"""`warroom integration ...` and `warroom alerts`, as an operator uses them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from warroom.cli import app as cli_app


@pytest.fixture
def wr(db_url: str):  # type: ignore[no-untyped-def]
    runner = CliRunner(env={"WARROOM_CONFIG": None, "COLUMNS": "200"})

    def run(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url])

    return run


def test_creating_an_integration_prints_its_key_and_url_once(wr: Any) -> None:
    result = wr("integration", "create", "prom", "--kind", "alertmanager", "--json")
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"name", "kind", "key", "url"}
    assert created["url"].endswith(f"/api/v1/ingest/{created['key']}/alertmanager")
    listed = json.loads(wr("integration", "ls", "--json").stdout)["items"]
    assert listed == [
        {
            "name": "prom",
            "kind": "alertmanager",
            "service": None,
            "signed": False,
            "disabled": False,
            "rate": None,
            "burst": None,
        }
    ]
    assert created["key"] not in wr("integration", "ls").stdout


def test_an_integration_carries_its_own_limit_until_given_back_to_the_config(wr: Any) -> None:
    made = wr("integration", "create", "ci", "--kind", "generic", "--rate", "5", "--burst", "50")
    assert made.exit_code == 0, made.stderr

    def limit() -> tuple[Any, Any]:
        [item] = json.loads(wr("integration", "ls", "--json").stdout)["items"]
        return item["rate"], item["burst"]

    assert limit() == (5.0, 50)
    changed = wr("integration", "limit", "ci", "--burst", "10", "--by", "erin")
    assert changed.exit_code == 0 and "rate as the config says, burst 10" in changed.stdout
    assert limit() == (None, 10)
    refused = wr("integration", "limit", "ci", "--burst", "0")
    assert refused.exit_code == 1 and "burst must be 1" in refused.stderr
    assert wr("integration", "limit", "ci").exit_code == 0
    assert limit() == (None, None)


def test_the_kind_option_names_every_sender_warroom_has(wr: Any) -> None:
    shown = " ".join(wr("integration", "create", "--help").stdout.split())
    assert "alertmanager, datadog, generic, grafana, pagerduty or sentry." in shown
    refused = wr("integration", "create", "x", "--kind", "nagios")
    assert "alertmanager, datadog, generic, grafana, pagerduty, sentry" in refused.stderr


def test_a_pagerduty_integration_points_at_the_events_api(wr: Any) -> None:
    created = json.loads(wr("integration", "create", "pd", "--kind", "pagerduty", "--json").stdout)
    assert created["url"].endswith("/v2/enqueue")


def test_refusals_name_the_offending_value(wr: Any) -> None:
    result = wr("integration", "create", "x", "--kind", "nagios")
    assert result.exit_code == 1 and "kind 'nagios' is not one of" in result.stderr
    wr("integration", "create", "x", "--kind", "generic")
    again = wr("integration", "create", "x", "--kind", "generic")
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert wr("integration", "disable", "nope").exit_code == 1


def test_rotating_a_key_prints_a_new_one(wr: Any) -> None:
    first = json.loads(wr("integration", "create", "g", "--kind", "generic", "--json").stdout)
    second = json.loads(wr("integration", "rotate-key", "g", "--json").stdout)
    assert second["key"] != first["key"]


def test_alerts_are_listed_for_an_incident(wr: Any, client: TestClient, as_: Any) -> None:
    created = json.loads(wr("integration", "create", "g", "--kind", "generic", "--json").stdout)
    path = f"/api/v1/ingest/{created['key']}/generic"
    body = [
        {"summary": "Queue backlog", "dedup_key": f"q{n}", "labels": {"alertname": "Backlog"}}
        for n in range(3)
    ]
    assert client.post(path, json=body).status_code == 202
    listed = json.loads(wr("alerts", "INC-1", "--json").stdout)["items"]
    assert sorted(a["dedup_key"] for a in listed) == ["q0", "q1", "q2"]
    assert json.loads(wr("alerts", "--status", "resolved", "--json").stdout)["items"] == []
    assert "Queue backlog" in wr("alerts").stdout
    bad = wr("alerts", "--status", "gone")
    assert bad.exit_code == 1 and "status 'gone'" in bad.stderr


def test_the_url_says_which_base_it_uses_and_how_to_set_it(db_url: str) -> None:
    runner = CliRunner(env={"WARROOM_CONFIG": None, "WARROOM_PUBLIC_URL": None})
    argv = ["integration", "create", "prom", "--kind", "alertmanager", "--json", "--db", db_url]
    result = runner.invoke(cli_app, argv)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["url"].startswith("http://127.0.0.1:8080/")
    assert "http://127.0.0.1:8080" in result.stderr and "WARROOM_PUBLIC_URL" in result.stderr
    public = CliRunner(env={"WARROOM_CONFIG": None, "WARROOM_PUBLIC_URL": "https://wr.example/"})
    rotated = public.invoke(
        cli_app, ["integration", "rotate-key", "prom", "--json", "--db", db_url]
    )
    assert json.loads(rotated.stdout)["url"].startswith("https://wr.example/api/v1/ingest/")
