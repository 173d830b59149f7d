"""Routing rules from the config, applied to alerts as they are taken in: dropped alerts,
a route's service and level, a threshold that raises the level, and each auto-resolve
mode when the alerts clear. Real database, real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.support import kinds, run

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.db.models import Alert, Incident
from warroom.domain.alerts import AlertAction, AlertIn
from warroom.domain.incidents import Status
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.ingest import apply, integrations, prep
from warroom.services.ingest.integrations import Sender


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config(
        {
            "services": [{"name": "storage"}, {"name": "web"}, {"name": "canary"}],
            "routes": [
                {"name": "noise", "match": {"team": "noise"}, "drop": True},
                {
                    "name": "disks",
                    "match_re": {"alertname": "^Disk"},
                    "service": "storage",
                    "severity": "P2",
                    "auto_resolve": "off",
                },
                {
                    "name": "canaries",
                    "exists": ["canary"],
                    "service": "canary",
                    "auto_resolve": "monitoring",
                },
                {
                    "name": "errors",
                    "match": {"alertname": "HighErrorRate"},
                    "service": "web",
                    "severity": "P3",
                    "raise_when": [{"field": "error_rate", "above": 5, "severity": "P1"}],
                },
            ],
        }
    )


@pytest.fixture
def sender(database: Database, ctx: Context) -> Sender:
    _, key = run(
        database,
        lambda s: integrations.create(s, ctx=ctx, actor="admin", name="mon", kind="generic"),
    )
    with database.read() as session:
        found = integrations.sender_for_key(session, key)
    assert found is not None
    return found


def alert(key: str, action: AlertAction = AlertAction.TRIGGER, **labels: str) -> AlertIn:
    return AlertIn(
        dedup_key=key, action=action, summary=f"{labels.get('alertname')} {key}", labels=labels
    )


def send(
    database: Database, ctx: Context, sender: Sender, *alerts: AlertIn
) -> list[apply.Outcome]:
    submission = prep.prepare(ctx, sender, list(alerts))
    [outcomes] = run(database, lambda s: apply.apply(s, ctx=ctx, submissions=[submission]))
    return outcomes


def incident(database: Database, incident_id: int | None) -> Incident:
    assert incident_id is not None
    with database.read() as session:
        return lifecycle.get(session, incident_id)


def test_a_dropped_alert_is_neither_stored_nor_opens_anything(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [outcome] = send(database, ctx, sender, alert("n1", alertname="Flappy", team="noise"))
    assert (outcome.result, outcome.incident_id) == ("dropped", None)
    with database.read() as session:
        assert session.query(Alert).count() == 0
        assert session.query(Incident).count() == 0


def test_a_route_sets_the_service_and_level(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [outcome] = send(database, ctx, sender, alert("d1", alertname="DiskFull", host="db1"))
    made = incident(database, outcome.incident_id)
    assert (made.service, made.severity) == ("storage", "P2")


def test_a_threshold_crossed_raises_the_level(
    database: Database, ctx: Context, sender: Sender
) -> None:
    calm, bad = send(
        database,
        ctx,
        sender,
        alert("e1", alertname="HighErrorRate", region="eu", error_rate="4.9"),
        alert("e2", alertname="HighErrorRate", region="us", error_rate="7.5%"),
    )
    assert calm.incident_id == bad.incident_id  # one group: alertname
    made = incident(database, bad.incident_id)
    assert (made.service, made.severity) == ("web", "P1")
    assert "severity" in kinds(database, made.id)  # raised by the second alert, on the record


def test_auto_resolve_off_only_notes_that_the_alerts_cleared(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock, worker: Worker
) -> None:
    [fired] = send(database, ctx, sender, alert("d1", alertname="DiskFull"))
    send(database, ctx, sender, alert("d1", AlertAction.RESOLVE, alertname="DiskFull"))
    clock.advance(timedelta(days=1))
    worker.run_due()
    assert incident(database, fired.incident_id).status == Status.TRIGGERED
    assert "alerts_clear" in kinds(database, fired.incident_id or 0)


def test_auto_resolve_monitoring_stops_at_monitoring(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock, worker: Worker
) -> None:
    [fired] = send(database, ctx, sender, alert("c1", alertname="CanaryFails", canary="yes"))
    cleared = alert("c1", AlertAction.RESOLVE, alertname="CanaryFails", canary="yes")
    send(database, ctx, sender, cleared)  # a resolve carries the labels it fired with
    assert incident(database, fired.incident_id).status == Status.MONITORING
    clock.advance(timedelta(days=2))
    worker.run_due()
    assert incident(database, fired.incident_id).status == Status.MONITORING
    assert "monitoring_over" in kinds(database, fired.incident_id or 0)  # a prompt, not a resolve


def test_a_resolve_without_labels_follows_the_route_its_alert_fired_under(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock, worker: Worker
) -> None:
    """PagerDuty's resolve carries only the dedup key: the disks route (auto-resolve off)
    still decides, not the default route (full)."""
    [fired] = send(database, ctx, sender, alert("d1", alertname="DiskFull"))
    send(database, ctx, sender, AlertIn(dedup_key="d1", action=AlertAction.RESOLVE, summary=""))
    clock.advance(timedelta(days=1))
    worker.run_due()
    assert incident(database, fired.incident_id).status == Status.TRIGGERED
    assert "alerts_clear" in kinds(database, fired.incident_id or 0)
