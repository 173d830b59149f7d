"""Credentials never reach a reader: the config view and delivery errors name channels,
never contact URLs (they hold tokens, passwords and webhook secrets)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.receivers import Receiver, receiver
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.config import WarroomConfig, parse_config
from warroom.domain import redaction
from warroom.scheduler.worker import Worker

SECRETS = ("CAPTOKEN0123456789", "APIKEY0123456789", "hunter2hunter2", "whsec-0123456789abcdef",
           "metrics-0123456789abcdef", "pgpass-0123456789", "dsnpass-0123456789")  # fmt: skip

CONFIG = """
default_policy = "default"
[[people]]
name = "alice"
contacts = [
  "webhook+http://127.0.0.1:{port}/hook/CAPTOKEN0123456789?apikey=APIKEY0123456789&secret=whsec-0123456789abcdef",
]
[[people]]
name = "bob"
contacts = ["mailto://bob:hunter2hunter2@smtp.example.com?to=bob@example.com"]
[[policies]]
name = "default"
steps = [{{ notify = ["person:alice"], wait = "5m" }}]
[security]
metrics_token = "metrics-0123456789abcdef"
[[actions]]
name = "db-connections"
argv = ["psql", "-c", "SELECT 1"]
env = {{ PGPASSWORD = "pgpass-0123456789" }}
[[checks]]
name = "db"
kind = "postgres"
dsn = "postgresql://monitor:dsnpass-0123456789@127.0.0.1:9/app"
"""


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(tomllib.loads(CONFIG.format(port=hook.port)))


def _no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_the_config_view_masks_every_credential(client: TestClient, as_: Any) -> None:
    shown = client.get("/api/v1/config", headers=as_("alice"))
    assert shown.status_code == 200
    _no_secret_in(shown.text)
    people = {p["name"]: p["contacts"] for p in shown.json()["people"]}
    assert people["alice"] == ["webhook (127.0.0.1)"]
    assert people["bob"] == ["mailto (smtp.example.com)"]
    assert shown.json()["security"]["metrics_token"] == "***"
    assert shown.json()["actions"][0]["env"] == {"PGPASSWORD": "***"}  # names kept


def test_config_show_masks_what_the_api_masks_and_reveal_shows_it(
    client: TestClient, as_: Any, hook: Receiver, tmp_path: Path
) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text(CONFIG.format(port=hook.port), encoding="utf-8")
    runner = CliRunner(env={"WARROOM_CONFIG": None})
    shown = runner.invoke(cli_app, ["config", "show", "--config", str(path)])
    assert shown.exit_code == 0, shown.stderr
    _no_secret_in(shown.stdout)
    assert json.loads(shown.stdout) == client.get("/api/v1/config", headers=as_("alice")).json()
    revealed = runner.invoke(cli_app, ["config", "show", "--reveal", "--config", str(path)])
    assert revealed.exit_code == 0, revealed.stderr
    for secret in SECRETS:
        assert secret in revealed.stdout
    assert json.loads(revealed.stdout)["security"]["metrics_token"] == "metrics-0123456789abcdef"


def test_a_failed_delivery_names_the_channel_never_the_url(
    client: TestClient, as_: Any, app: Any, hook: Receiver
) -> None:
    hook.fail_with = [404]  # refused for good: the contact is disabled and noted everywhere
    declared = client.post(
        "/api/v1/incidents", headers=as_("bob"), json={"title": "Queue stuck", "severity": "P1"}
    )
    assert declared.status_code == 201
    Worker(app.state.warroom.db, app.state.warroom.ctx).run_due()
    [delivery] = client.get("/api/v1/deliveries", headers=as_("charlie")).json()["items"]
    assert delivery["status"] == "failed" and "404" in delivery["error"]
    _no_secret_in(delivery["error"])
    timeline = client.get("/api/v1/incidents/1/timeline", headers=as_("charlie"))
    assert "Could not notify alice by webhook (127.0.0.1)" in timeline.text
    _no_secret_in(timeline.text)
    people = client.get("/people", headers=as_("charlie"))
    assert people.status_code == 200 and "404" in people.text
    _no_secret_in(people.text)


def test_scrubbing_masks_the_contact_url_in_any_form() -> None:
    url = "webhook+https://hooks.example/h/CAPTOKEN0123456789?secret=whsec-0123456789abcdef"
    text = (
        "POST https://hooks.example/h/CAPTOKEN0123456789 failed; retry "
        "https://proxy.example/x?apikey=APIKEY0123456789 with CAPTOKEN0123456789"
    )
    scrubbed = redaction.scrub(text, url)
    _no_secret_in(scrubbed)
    assert "https (hooks.example)" in scrubbed and "https (proxy.example)" in scrubbed


def test_scrubbing_masks_a_token_in_the_host_but_keeps_a_plain_host() -> None:
    slack = "slack://TOKENA1234/TOKENB5678/TOKENC9012"
    said = redaction.scrub("could not post to TOKENA1234 (TOKENB5678/TOKENC9012)", slack)
    assert "TOKEN" not in said
    hook = "webhook+https://hooks.example/x?secret=whsec-0123456789abcdef"
    said = redaction.scrub("connection refused by hooks.example", hook)
    assert said == "connection refused by hooks.example"
