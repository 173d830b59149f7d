"""Every change of a component's status is recorded, automatic ones too, with its cause,
and shown in the API and on /status/manage."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from warroom.clock import FrozenClock
from warroom.db.engine import Database
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.status import transitions

from .conftest import declare

CHANGES = "/api/v1/status/components/changes"


def _changes(client: TestClient, headers: dict[str, str], **query: str) -> list[tuple[str, ...]]:
    answer = client.get(CHANGES, params=query, headers=headers)
    assert answer.status_code == 200, answer.text
    return [
        (i["component"], i["from"], i["to"], i["cause"]["kind"], i["cause"]["what"])
        for i in reversed(answer.json()["items"])
    ]


def test_a_public_incident_records_its_components_going_down_and_back(
    client: TestClient, as_: Any, app: Any, clock: FrozenClock, worker: Worker
) -> None:
    state = app.state.warroom
    incident = declare(state.db, state.ctx, "Checkout down", severity="P0", service="checkout")
    worker.run_due()
    clock.advance(timedelta(minutes=20))
    with state.db.write.begin() as session:
        lifecycle.resolve(session, ctx=state.ctx, actor="bob", incident_id=incident)
    worker.run_due()

    ref = f"INC-{incident}"
    assert _changes(client, as_("charlie")) == [
        ("api", "operational", "major_outage", "incident", ref),
        ("api", "major_outage", "operational", "incident", ref),
    ]
    answer = client.get(CHANGES, headers=as_("charlie")).json()["items"]
    assert answer[0]["at"] > answer[1]["at"]  # each at the time of its change
    manage = client.get("/status/manage", headers=as_("bob"))
    assert "Major outage → Operational (incident " + ref in manage.text


def test_an_internal_incident_records_nothing_until_it_is_public(
    client: TestClient, as_: Any, app: Any, worker: Worker
) -> None:
    state = app.state.warroom
    incident = declare(state.db, state.ctx, "Checkout slow", severity="P1", service="checkout")
    worker.run_due()
    assert _changes(client, as_("charlie")) == []
    client.post(f"/api/v1/status/incidents/INC-{incident}/publish", headers=as_("bob"))
    worker.run_due()
    assert _changes(client, as_("charlie")) == [
        ("api", "operational", "partial_outage", "incident", f"INC-{incident}")
    ]


def test_maintenance_records_under_maintenance_and_back(
    client: TestClient, as_: Any, clock: FrozenClock, worker: Worker
) -> None:
    now = clock.now()
    body = {
        "title": "Database upgrade",
        "components": ["Website"],
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
    }
    assert client.post("/api/v1/status/maintenances", json=body, headers=as_("bob")).is_success
    worker.run_due()
    clock.advance(timedelta(hours=1))
    worker.run_due()
    clock.advance(timedelta(hours=1))
    worker.run_due()
    assert _changes(client, as_("charlie"), component="Website") == [
        ("website", "operational", "under_maintenance", "maintenance", "Database upgrade"),
        ("website", "under_maintenance", "operational", "maintenance", "Database upgrade"),
    ]


def test_a_status_set_by_hand_is_recorded_with_who_set_it(
    client: TestClient, as_: Any, worker: Worker
) -> None:
    put = client.put(
        "/api/v1/status/components/Website",
        json={"status": "degraded_performance"},
        headers=as_("bob"),
    )
    assert put.status_code == 200
    worker.run_due()
    client.put(
        "/api/v1/status/components/Website", json={"status": "automatic"}, headers=as_("alice")
    )
    worker.run_due()
    assert _changes(client, as_("charlie")) == [
        ("website", "operational", "degraded_performance", "person", "bob"),
        ("website", "degraded_performance", "operational", "person", "alice"),
    ]


def test_the_changes_are_for_signed_in_people_and_name_unknown_components(
    client: TestClient, as_: Any
) -> None:
    assert client.get(CHANGES).status_code == 401
    unknown = client.get(CHANGES, params={"component": "Nope"}, headers=as_("charlie"))
    assert unknown.status_code == 404 and unknown.json()["field"] == "component"


def test_recorders_running_at_once_write_each_change_once(
    database: Database, config: Any, clock: FrozenClock
) -> None:
    ctx = Context(config=config, clock=clock)
    declare(database, ctx, "Site down", severity="P0", service="web")
    start = threading.Barrier(3)
    refused: list[Exception] = []

    def run() -> None:
        start.wait()
        try:
            with database.write.begin() as session:
                transitions.record(session, ctx)
        except IntegrityError as exc:  # the chain's unique index: the other one won
            refused.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.read() as session:
        rows = transitions.history(session)
    assert [(r.component, r.status) for r in rows] == [("website", "major_outage")]
