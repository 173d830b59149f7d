"""Components set by hand, and maintenance windows the scheduler opens and closes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from warroom.clock import FrozenClock
from warroom.scheduler.worker import Worker

from .conftest import declare, update


def _components(client: TestClient) -> dict[str, str]:
    found = client.get("/api/v2/components.json").json()["components"]
    return {c["name"]: c["status"] for c in found}


def test_a_component_set_by_hand_holds_until_set_back_to_automatic(
    client: TestClient, as_: Any, app: Any
) -> None:
    state = app.state.warroom
    answer = client.put(
        "/api/v1/status/components/website",
        json={"status": "degraded_performance", "reason": "CDN slow in one region"},
        headers=as_("bob"),
    )
    assert answer.status_code == 200, answer.text
    assert _components(client)["Website"] == "degraded_performance"
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "minor"
    assert "CDN slow" not in client.get("/status").text  # the reason stays internal

    incident = declare(state.db, state.ctx, "Site down", severity="P0", service="web")
    update(state.db, state.ctx, incident, "The site is down.", public=True)
    assert _components(client)["Website"] == "degraded_performance"  # by hand wins
    client.put(
        "/api/v1/status/components/Website", json={"status": "automatic"}, headers=as_("bob")
    )
    assert _components(client)["Website"] == "major_outage"


def test_setting_components_is_refused_for_viewers_and_bad_input(
    client: TestClient, as_: Any
) -> None:
    body = {"status": "major_outage"}
    assert client.put("/api/v1/status/components/API", json=body).status_code == 401
    viewer = client.put("/api/v1/status/components/API", json=body, headers=as_("charlie"))
    assert viewer.status_code == 403
    unknown = client.put("/api/v1/status/components/Nope", json=body, headers=as_("bob"))
    assert unknown.status_code == 404 and "component" in unknown.json()["field"]
    bad = client.put(
        "/api/v1/status/components/API", json={"status": "on_fire"}, headers=as_("bob")
    )
    assert bad.status_code == 422 and bad.json()["field"] == "status"


def test_maintenance_shows_ahead_switches_components_and_switches_them_back(
    client: TestClient, as_: Any, clock: FrozenClock, app: Any, worker: Worker
) -> None:
    now = clock.now()
    body = {
        "title": "Database upgrade",
        "components": ["API"],
        "starts_at": (now + timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "message": "Payments may pause for a minute.",
    }
    made = client.post("/api/v1/status/maintenances", json=body, headers=as_("bob"))
    assert made.status_code == 201, made.text
    [upcoming] = client.get("/api/v2/scheduled-maintenances/upcoming.json").json()[
        "scheduled_maintenances"
    ]
    assert upcoming["name"] == "Database upgrade" and upcoming["status"] == "scheduled"
    assert "Database upgrade" in client.get("/status").text
    assert _components(client)["API"] == "operational"

    clock.advance(timedelta(hours=2))
    worker.run_due()
    [active] = client.get("/api/v2/scheduled-maintenances/active.json").json()[
        "scheduled_maintenances"
    ]
    assert active["status"] == "in_progress"
    assert _components(client)["API"] == "under_maintenance"
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "maintenance"

    clock.advance(timedelta(hours=1))
    worker.run_due()
    assert _components(client)["API"] == "operational"
    [done] = client.get("/api/v2/scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert done["status"] == "completed"


def test_bad_maintenance_windows_are_refused_naming_the_field(
    client: TestClient, as_: Any, clock: FrozenClock
) -> None:
    now = clock.now()
    base = {
        "title": "Upgrade",
        "components": ["API"],
        "starts_at": (now + timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
    }
    cases = [
        (base, "ends_at"),
        (
            {
                **base,
                "ends_at": (now - timedelta(hours=1)).isoformat(),
                "starts_at": (now - timedelta(hours=2)).isoformat(),
            },
            "ends_at",
        ),
        (
            {**base, "ends_at": (now + timedelta(hours=3)).isoformat(), "components": ["Nope"]},
            "components",
        ),
        (
            {**base, "ends_at": (now + timedelta(hours=3)).isoformat(), "components": []},
            "components",
        ),
        ({**base, "starts_at": "tomorrow"}, "starts_at"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/status/maintenances", json=body, headers=as_("bob"))
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.text


def test_a_public_incident_without_a_public_update_is_reminded(
    app: Any, clock: FrozenClock, worker: Worker, client: TestClient, as_: Any
) -> None:
    state = app.state.warroom
    incident = declare(state.db, state.ctx, "Checkout slow", severity="P1")
    published = client.post(
        f"/api/v1/status/incidents/INC-{incident}/publish",
        json={"title": "Slow checkout"},
        headers=as_("bob"),
    )
    assert published.status_code == 200, published.text
    assert client.get("/api/v2/incidents.json").json()["incidents"][0]["name"] == "Slow checkout"
    every = state.ctx.config.severity("P1").public_update_every
    assert every is not None
    clock.advance(every + timedelta(seconds=1))
    worker.run_due()
    timeline = client.get(f"/api/v1/incidents/{incident}/timeline", headers=as_("bob")).json()
    overdue = [
        e for e in timeline["items"] if e["kind"] == "update_overdue" and e["data"].get("public")
    ]
    assert len(overdue) == 1
