import asyncio
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from tests.support import events, kinds, run

from warroom.clock import FrozenClock
from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.domain.alerts import AlertAction, AlertIn
from warroom.domain.incidents import Status
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.ingest import alerts, apply, integrations, prep
from warroom.services.ingest.integrations import Sender
from warroom.services.ingest.writer import IngestWriter


@pytest.fixture
def sender(database: Database, ctx: Context) -> Sender:
    integration, key = run(
        database,
        lambda s: integrations.create(
            s, ctx=ctx, actor="admin", name="prom", kind="alertmanager", service="api"
        ),
    )
    with database.read() as session:
        found = integrations.sender_for_key(session, key)
    assert found is not None and found.id == integration.id
    return found


def firing(key: str, name: str = "InstanceDown", severity: str = "critical") -> AlertIn:
    return AlertIn(
        dedup_key=key,
        action=AlertAction.TRIGGER,
        summary=f"{name} on {key}",
        severity=severity,
        labels={"alertname": name, "instance": key},
    )


def resolved(key: str, name: str = "InstanceDown") -> AlertIn:
    return AlertIn(
        dedup_key=key,
        action=AlertAction.RESOLVE,
        summary=f"{name} on {key}",
        labels={"alertname": name, "instance": key},
    )


def send(
    database: Database, ctx: Context, sender: Sender, *batches: list[AlertIn]
) -> list[list[apply.Outcome]]:
    submissions = [prep.prepare(ctx, sender, list(b)) for b in batches]
    return run(database, lambda s: apply.apply(s, ctx=ctx, submissions=submissions))


def test_a_new_alert_opens_an_incident_from_its_summary(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[outcome]] = send(database, ctx, sender, [firing("h1")])
    assert outcome.result == "created" and outcome.incident_id is not None
    with database.read() as session:
        incident = lifecycle.get(session, outcome.incident_id)
        assert (incident.title, incident.severity, incident.source, incident.service) == (
            "InstanceDown on h1",
            "P1",
            "alert",
            "api",
        )
    assert kinds(database, outcome.incident_id) == ["declared", "alert"]


def test_repeats_of_a_dedup_key_count_up_instead_of_adding_alerts(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock
) -> None:
    send(database, ctx, sender, [firing("h1")])
    clock.advance(timedelta(minutes=1))
    [[again], [third]] = send(database, ctx, sender, [firing("h1")], [firing("h1")])
    assert (again.result, third.result) == ("updated", "updated")
    with database.read() as session:
        [row] = alerts.list_alerts(session)
        assert row.count == 3 and row.last_seen_at == clock.now()


def test_alerts_of_one_group_share_one_incident_and_others_get_their_own(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[a, b, c]] = send(
        database, ctx, sender, [firing("h1"), firing("h2"), firing("h3", name="DiskFull")]
    )
    assert a.incident_id == b.incident_id != c.incident_id
    with database.read() as session:
        assert len(alerts.list_alerts(session, incident_id=a.incident_id)) == 2


def test_alerts_arriving_together_on_one_incident_make_one_timeline_line(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock
) -> None:
    keys = [f"h{n}" for n in range(9)]
    [flood, [last]] = send(database, ctx, sender, [firing(k) for k in keys[:8]], [firing("h8")])
    incident_id = flood[0].incident_id or 0
    assert {o.incident_id for o in [*flood, last]} == {incident_id}
    [line] = events(database, incident_id)[1:]  # after "declared"
    assert (line.kind, line.actor) == ("alert", "prom")
    shown = "; ".join(f"InstanceDown on h{n}" for n in range(5))
    assert line.text == f"9 alerts firing: {shown}; and 4 more"
    assert line.data["count"] == 9
    assert [a["dedup_key"] for a in line.data["alerts"]] == keys

    clock.advance(timedelta(minutes=1))  # a later batch: a line of its own, as before
    send(database, ctx, sender, [firing("h9")])
    send(database, ctx, sender, [resolved("h0"), resolved("h1")])
    later = events(database, incident_id)[2:]
    assert [(e.kind, e.text) for e in later] == [
        ("alert", "Alert firing: InstanceDown on h9"),
        ("alert_resolved", "2 alerts resolved: InstanceDown on h0; InstanceDown on h1"),
    ]
    assert later[0].data["dedup_key"] == "h9"
    assert [a["dedup_key"] for a in later[1].data["alerts"]] == ["h0", "h1"]


def test_a_higher_severity_alert_raises_its_incident(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[first]] = send(database, ctx, sender, [firing("h1", severity="warning")])
    send(database, ctx, sender, [firing("h2", severity="critical")])
    with database.read() as session:
        assert lifecycle.get(session, first.incident_id or 0).severity == "P1"


def test_when_every_alert_clears_the_incident_is_monitored_then_resolved(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock, worker: Worker
) -> None:
    [[one, _]] = send(database, ctx, sender, [firing("h1"), firing("h2")])
    incident_id = one.incident_id or 0
    send(database, ctx, sender, [resolved("h1")])
    with database.read() as session:
        assert lifecycle.get(session, incident_id).status == Status.TRIGGERED
    send(database, ctx, sender, [resolved("h2")])
    with database.read() as session:
        assert lifecycle.get(session, incident_id).status == Status.MONITORING
    clock.advance(timedelta(hours=1))  # P1 monitors for an hour
    worker.run_due()
    with database.read() as session:
        resolved_incident = lifecycle.get(session, incident_id)
        assert resolved_incident.status == Status.RESOLVED
        assert resolved_incident.acknowledged_at is None  # nobody acknowledged it (MTTA)
    assert kinds(database, incident_id)[-1] == "status"


def test_a_new_firing_during_monitoring_reopens_the_incident(
    database: Database, ctx: Context, sender: Sender, clock: FrozenClock, worker: Worker
) -> None:
    [[one]] = send(database, ctx, sender, [firing("h1")])
    send(database, ctx, sender, [resolved("h1")])
    clock.advance(timedelta(minutes=30))
    [[again]] = send(database, ctx, sender, [firing("h1")])
    assert again.incident_id == one.incident_id
    clock.advance(timedelta(hours=1))
    worker.run_due()
    with database.read() as session:
        assert lifecycle.get(session, one.incident_id or 0).status == Status.INVESTIGATING
    assert "reopened" in kinds(database, one.incident_id or 0)


def test_after_resolution_the_same_alert_opens_a_new_incident(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[one]] = send(database, ctx, sender, [firing("h1")])
    run(
        database,
        lambda s: lifecycle.resolve(s, ctx=ctx, actor="bob", incident_id=one.incident_id or 0),
    )
    send(database, ctx, sender, [resolved("h1")])
    [[two]] = send(database, ctx, sender, [firing("h1")])
    assert two.result == "created" and two.incident_id != one.incident_id


def test_an_acknowledge_event_acknowledges_the_incident(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[one]] = send(database, ctx, sender, [firing("h1")])
    ack = AlertIn(dedup_key="h1", action=AlertAction.ACKNOWLEDGE, summary="")
    [[outcome]] = send(database, ctx, sender, [ack])
    assert outcome.result == "acknowledged"
    with database.read() as session:
        assert lifecycle.get(session, one.incident_id or 0).status == Status.ACKNOWLEDGED


def test_resolving_or_acknowledging_an_unknown_key_changes_nothing(
    database: Database, ctx: Context, sender: Sender
) -> None:
    ack = AlertIn(dedup_key="nope", action=AlertAction.ACKNOWLEDGE, summary="")
    [[a, b]] = send(database, ctx, sender, [resolved("nope"), ack])
    assert (a.result, b.result) == ("ignored", "ignored")
    with database.read() as session:
        assert alerts.list_alerts(session) == []


def test_an_alert_that_fires_and_clears_within_one_batch_is_kept_resolved(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[fired], [cleared]] = send(database, ctx, sender, [firing("h1")], [resolved("h1")])
    assert (fired.result, cleared.result) == ("created", "resolved")
    with database.read() as session:
        [row] = alerts.list_alerts(session)
        assert row.status == "resolved" and row.resolved_at is not None
        assert lifecycle.get(session, fired.incident_id or 0).status == Status.MONITORING


def test_a_trigger_without_a_dedup_key_gets_one(
    database: Database, ctx: Context, sender: Sender
) -> None:
    [[outcome]] = send(database, ctx, sender, [firing("")])
    assert len(outcome.dedup_key) == 32


def test_a_group_opened_meanwhile_by_another_process_is_joined_not_refused(
    database: Database, ctx: Context, sender: Sender
) -> None:
    """Two processes' writers race to open the same group's incident: the loser's insert
    meets the unique index, and the writer applies its batch again, joining the winner's."""
    if database.is_sqlite:
        pytest.skip("SQLite writers queue on one write lock: they never race")
    group = prep.prepare(ctx, sender, [firing("web-1")]).alerts[0].decision.group_key
    other = database.engine.connect()
    other_tx = other.begin()  # the other process: its incident is written, not yet committed
    run_other = run(
        database, lambda s: lifecycle.declare(s, ctx=ctx, actor="x", title="t", severity="P3")
    )
    other.execute(update(Incident).where(Incident.id == run_other.id).values(group_key=group))
    threading.Thread(target=_commit_once_blocking, args=(database, other_tx)).start()
    writer = IngestWriter(database, ctx)
    try:
        submission = prep.prepare(ctx, sender, [firing("web-1")])
        outcomes = asyncio.run(asyncio.wait_for(writer.commit(submission), timeout=30))
    finally:
        writer.stop()
        other.close()
    assert outcomes[0].result == "created" and outcomes[0].incident_id == run_other.id


def _commit_once_blocking(database: Database, transaction: Any) -> None:
    """Commit the other process's transaction once our insert waits on its lock."""
    with database.engine.connect() as probe:
        for _ in range(600):
            if probe.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                break
            time.sleep(0.05)
    transaction.commit()
