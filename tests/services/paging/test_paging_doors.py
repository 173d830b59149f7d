"""Paging through its doors: the acknowledge page, and the oncall/notify/deliveries commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.receivers import Receiver
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.clock import SystemClock
from warroom.config import WarroomConfig, parse_config
from warroom.scheduler.worker import Worker
from warroom.services.context import Context

CONFIG = """
default_policy = "default"
[[people]]
name = "alice"
contacts = ["json://127.0.0.1:{port}/alice"]
[[people]]
name = "bob"
contacts = ["json://127.0.0.1:{port}/bob"]
[[schedules]]
name = "primary"
[[schedules.layers]]
members = ["alice", "bob"]
start = "2026-11-02T09:00:00Z"
turn = "1d"
[[policies]]
name = "default"
steps = [{{ notify = ["schedule:primary"], wait = "5m" }}]
"""


@pytest.fixture
def config_file(tmp_path: Path, hook: Receiver) -> Path:
    path = tmp_path / "warroom.toml"
    path.write_text(CONFIG.format(port=hook.port))
    return path


@pytest.fixture
def config(config_file: Path) -> WarroomConfig:
    import tomllib

    return parse_config(tomllib.loads(config_file.read_text()))


def _page_link(client: TestClient, as_: Any, app: Any, hook: Receiver) -> str:
    declared = client.post(
        "/api/v1/incidents", headers=as_("bob"), json={"title": "Queue stuck", "severity": "P1"}
    )
    assert declared.status_code == 201
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()
    found = re.search(
        r"Acknowledge: http://127\.0\.0\.1:8080(/ack/\S+)", hook.to("/alice")[0].json["message"]
    )
    assert found, "the page carries an acknowledge link"
    return found.group(1)


def test_opening_the_link_asks_first_and_posting_acknowledges_once(
    client: TestClient, as_: Any, app: Any, hook: Receiver
) -> None:
    path = _page_link(client, as_, app, hook)
    page = client.get(path)
    assert page.status_code == 200 and "Acknowledge INC-1?" in page.text
    assert 'lang="en"' in page.text and "<button" in page.text
    incident = client.get("/api/v1/incidents/1", headers=as_("charlie")).json()
    assert incident["status"] == "triggered"  # a link preview acknowledges nothing
    done = client.post(path)
    assert "INC-1 acknowledged" in done.text
    incident = client.get("/api/v1/incidents/1", headers=as_("charlie")).json()
    assert incident["status"] == "acknowledged"
    assert incident["timeline"][-1]["actor"] == "alice"
    again = client.post(path)
    assert again.status_code == 409 and "already used" in again.text


def test_a_forged_link_is_refused(client: TestClient) -> None:
    assert client.get("/ack/not-a-real-token").status_code == 404


def test_the_cli_says_who_is_on_call_and_tests_a_persons_contacts(
    db_url: str,
    config_file: Path,
    hook: Receiver,
    config: WarroomConfig,
    clock: Any,
    database: Any,
    ctx: Any,
) -> None:
    runner = CliRunner()

    def wj(*args: str) -> Any:
        result = runner.invoke(
            cli_app, [*args, "--json", "--db", db_url, "--config", str(config_file)]
        )
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    now = wj("oncall", "primary", "--at", "2026-11-03T10:00:00Z")["items"][0]
    assert (now["on_call"], now["next"]) == ("bob", "alice")
    assert now["next_handoff"].startswith("2026-11-04T09:00:00")
    assert wj("notify", "test", "alice") == {"person": "alice", "queued": 1}
    Worker(database, Context(config=config, clock=SystemClock())).run_due()
    assert hook.to("/alice")[0].json["title"] == "warroom test notification for alice"
    [delivery] = wj("deliveries")["items"]
    assert (delivery["person"], delivery["status"], delivery["message"]) == (
        "alice",
        "done",
        "test",
    )
    ref = wj("declare", "Checkout down", "--severity", "P1")["ref"]
    Worker(database, Context(config=config, clock=SystemClock())).run_due()
    paged = wj("deliveries", ref)["items"]
    assert [(d["incident"], d["message"], d["status"]) for d in paged] == [(ref, "page", "done")]
    assert [d["message"] for d in wj("deliveries", "--status", "done")["items"]] == ["page", "test"]
    missing = runner.invoke(
        cli_app, ["notify", "test", "zed", "--db", db_url, "--config", str(config_file)]
    )
    assert missing.exit_code == 1 and "no person named 'zed'" in missing.stderr
