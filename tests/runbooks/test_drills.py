"""A drill goes through the real path (alert → incident → page → acknowledgement), is
marked as a drill, and is timed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from tests.receivers import receiver
from typer.testing import CliRunner

from warroom.cli import app as cli_app
from warroom.clock import FrozenClock
from warroom.config import parse_config
from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.drills import runs
from warroom.services.incidents import lifecycle

SECRET = "drill-receiver-shared-secret"


def test_drill_pages_and_is_timed_to_the_acknowledgement(
    database: Database, clock: FrozenClock
) -> None:
    with receiver() as hook:
        config = parse_config(
            {
                "bundle_window": "0s",
                "default_policy": "oncall",
                "people": [
                    {"name": "erin", "contacts": [f"webhook+{hook.url('/erin')}?secret={SECRET}"]}
                ],
                "policies": [
                    {"name": "oncall", "steps": [{"notify": ["person:erin"], "wait": "5m"}]}
                ],
            }
        )
        ctx = Context(config=config, clock=clock)
        with database.write.begin() as session:
            incident_id = runs.start(
                session, ctx=ctx, service="checkout", severity="P1", actor="dana"
            )
        clock.advance(timedelta(seconds=2))
        Worker(database, ctx).run_due()
        assert [r.path for r in hook.got] == ["/erin"]
        assert "DRILL" in hook.got[0].json["subject"] or "DRILL" in hook.got[0].raw.decode()
        clock.advance(timedelta(seconds=40))
        with database.write.begin() as session:
            lifecycle.acknowledge(session, ctx=ctx, actor="erin", incident_id=incident_id)
    with database.read() as session:
        incident = session.scalars(select(Incident)).one()
        found = runs.times(session, incident_id)
    assert incident.drill and incident.service == "checkout" and incident.severity == "P1"
    assert found.seconds_to_page == 2.0 and found.paged == "erin"
    assert found.seconds_to_acknowledge == 42.0 and found.acknowledged_by == "erin"


def test_drill_command_opens_a_drill_and_reports_its_times(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner(env={"WARROOM_ACTOR": "dana", "WARROOM_CONFIG": None})
    opened = runner.invoke(
        cli_app, ["drill", "--severity", "P2", "--wait", "0s", "--json", "--db", db_url]
    )
    assert opened.exit_code == 0, opened.stderr
    result = json.loads(opened.stdout)
    assert result["drill"] and result["ref"] == "INC-1"
    assert result["seconds_to_acknowledge"] is None
    runner.invoke(cli_app, ["ack", "INC-1", "--by", "erin", "--db", db_url])
    report = runner.invoke(cli_app, ["drill", "--report", "INC-1", "--db", db_url])
    assert report.exit_code == 0, report.stderr
    assert "INC-1 drill" in report.stdout and "(by erin)" in report.stdout
    bad = runner.invoke(cli_app, ["drill", "--severity", "P9", "--wait", "0s", "--db", db_url])
    assert bad.exit_code == 1 and "severity 'P9'" in bad.stderr


def test_drill_api(client: Any, as_: Any) -> None:
    started = client.post("/api/v1/drills", json={"severity": "P2"}, headers=as_("bob"))
    assert started.status_code == 201, started.text
    assert started.json()["drill"] and started.json()["ref"] == "INC-1"
    client.post("/api/v1/incidents/INC-1/acknowledge", json={}, headers=as_("bob"))
    times = client.get("/api/v1/incidents/INC-1/drill", headers=as_("charlie")).json()
    assert times["acknowledged_by"] == "bob" and times["seconds_to_acknowledge"] == 0.0
    refused = client.post("/api/v1/drills", json={"severity": "P9"}, headers=as_("bob"))
    assert refused.status_code == 422 and refused.json()["field"] == "severity"
    assert client.post("/api/v1/drills", json={}, headers=as_("charlie")).status_code == 403
