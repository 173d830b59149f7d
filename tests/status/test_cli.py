"""`warroom statuspage` as an operator uses it (the CLI reads the system clock)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.clock import SystemClock
from warroom.config import load_config
from warroom.db.engine import Database
from warroom.scheduler.worker import Worker
from warroom.services.context import Context

CONFIG = """
[status_page]
publish_severities = ["P0"]
[status_page.branding]
name = "Acme Status"
[[status_page.components]]
name = "API"
services = ["checkout"]
[[status_page.components]]
name = "Website"
services = ["web"]
"""


@pytest.fixture
def wr(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "warroom.toml"
    path.write_text(CONFIG)
    runner = CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": str(path), "COLUMNS": "200"})

    def run(*args: str) -> Any:
        return runner.invoke(cli_app, [*args, "--db", db_url])

    return run


def test_publish_set_a_component_and_plan_maintenance_from_the_cli(wr: Any) -> None:
    declared = wr("declare", "Checkout errors", "--severity", "P1", "--service", "checkout")
    assert declared.exit_code == 0, declared.output
    assert wr("statuspage", "publish", "INC-1", "--title", "Checkout trouble").exit_code == 0
    shown = json.loads(wr("statuspage", "show", "--json").output)
    assert shown["indicator"] == "major"
    assert shown["incidents"][0]["name"] == "Checkout trouble"
    assert {c["name"]: c["status"] for c in shown["components"]} == {
        "API": "partial_outage",
        "Website": "operational",
    }

    assert wr("statuspage", "component", "website", "degraded_performance").exit_code == 0
    shown = json.loads(wr("statuspage", "show", "--json").output)
    assert shown["components"][1]["status"] == "degraded_performance"

    now = datetime.now(UTC)
    start, end = (
        (now + timedelta(days=1)).isoformat(),
        (now + timedelta(days=1, hours=1)).isoformat(),
    )
    planned = wr(
        "statuspage",
        "maintenance",
        "add",
        "DB upgrade",
        "--component",
        "API",
        "--start",
        start,
        "--end",
        end,
        "--json",
    )
    assert planned.exit_code == 0, planned.output
    listed = json.loads(wr("statuspage", "maintenance", "ls", "--json").output)["items"]
    assert [(m["title"], m["status"]) for m in listed] == [("DB upgrade", "scheduled")]
    assert wr("statuspage", "maintenance", "update", "1", "Moved an hour later").exit_code == 0


def test_status_changes_are_listed_with_their_cause(
    wr: Any, database: Database, tmp_path: Path
) -> None:
    assert wr("declare", "Site down", "--severity", "P0", "--service", "web").exit_code == 0
    ctx = Context(config=load_config(tmp_path / "warroom.toml"), clock=SystemClock())
    Worker(database, ctx).run_due()
    listed = json.loads(wr("statuspage", "changes", "--json").output)["items"]
    assert [(i["component"], i["from"], i["to"], i["cause"]) for i in listed] == [
        ("website", "operational", "major_outage", {"kind": "incident", "what": "INC-1"})
    ]
    table = wr("statuspage", "changes", "--component", "Website").output
    assert "operational → major_outage" in table and "incident INC-1" in table
    assert "No status changes yet." in wr("statuspage", "changes", "--component", "API").output
    unknown = wr("statuspage", "changes", "--component", "Nope")
    assert unknown.exit_code == 1 and "component 'Nope'" in unknown.output


def test_cli_refusals_name_the_problem(wr: Any) -> None:
    unknown = wr("statuspage", "component", "Nope", "major_outage")
    assert unknown.exit_code == 1 and "component 'Nope'" in unknown.output
    bad = wr("statuspage", "component", "API", "on_fire")
    assert bad.exit_code == 1 and "status 'on_fire'" in bad.output
    now = datetime.now(UTC)
    backwards = wr(
        "statuspage",
        "maintenance",
        "add",
        "X",
        "--component",
        "API",
        "--start",
        (now + timedelta(hours=2)).isoformat(),
        "--end",
        (now + timedelta(hours=1)).isoformat(),
    )
    assert backwards.exit_code == 1 and "ends_at must be after starts_at" in backwards.output
    missing = wr("statuspage", "publish", "INC-99")
    assert missing.exit_code == 1 and "INC-99 does not exist" in missing.output
