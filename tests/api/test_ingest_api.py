"""The ingest endpoints and integration management, through the HTTP API."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from warroom.clock import FrozenClock
from warroom.db.engine import Database
from warroom.db.models import SeenSignature
from warroom.domain.signatures import HEADER, sign

Headers = Any
PD_PAYLOAD = {"summary": "checkout down", "source": "web-1", "severity": "critical"}


def create(
    client: TestClient, as_: Headers, kind: str = "generic", **extra: object
) -> dict[str, str]:
    response = client.post(
        "/api/v1/integrations",
        headers=as_("alice"),
        json={"name": f"{kind}-{len(extra)}", "kind": kind, **extra},
    )
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created


def post(
    client: TestClient,
    created: dict[str, str],
    body: object,
    kind: str | None = None,
    **headers: str,
) -> Any:
    path = f"/api/v1/ingest/{created['key']}/{kind or created['kind']}"
    return client.post(path, content=json.dumps(body), headers=headers)


def incidents(client: TestClient, as_: Headers) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/v1/incidents", headers=as_("charlie")).json()[
        "items"
    ]
    return items


def test_an_admin_creates_an_integration_and_gets_its_key_and_url_once(
    client: TestClient, as_: Headers
) -> None:
    created = create(client, as_, "alertmanager")
    assert created["url"] == f"http://127.0.0.1:8080/api/v1/ingest/{created['key']}/alertmanager"
    listed = client.get("/api/v1/integrations", headers=as_("alice")).json()["items"]
    assert listed[0]["name"] == created["name"] and "key" not in listed[0]


def test_only_admins_manage_integrations(client: TestClient, as_: Headers) -> None:
    response = client.post(
        "/api/v1/integrations", headers=as_("bob"), json={"name": "x", "kind": "generic"}
    )
    assert response.status_code == 403


def test_an_unknown_kind_is_refused_naming_the_kinds(client: TestClient, as_: Headers) -> None:
    response = client.post(
        "/api/v1/integrations", headers=as_("alice"), json={"name": "x", "kind": "nagios"}
    )
    assert response.status_code == 422
    assert "alertmanager, datadog, generic, grafana, pagerduty, sentry" in response.json()["detail"]


def test_a_generic_alert_opens_an_incident_and_its_repeat_counts(
    client: TestClient, as_: Headers
) -> None:
    created = create(client, as_)
    body = {
        "summary": "Checkout error rate 9%",
        "dedup_key": "co-err",
        "severity": "P1",
        "service": "checkout",
    }
    first = post(client, created, body)
    assert first.status_code == 202
    assert first.json()["alerts"][0]["result"] == "created"
    again = post(client, created, body)
    assert again.json()["alerts"][0]["result"] == "updated"
    [incident] = incidents(client, as_)
    assert (incident["title"], incident["severity"], incident["source"]) == (
        "Checkout error rate 9%",
        "P1",
        "alert",
    )
    alerts = client.get(
        f"/api/v1/alerts?incident={incident['ref']}", headers=as_("charlie")
    ).json()["items"]
    assert [(a["dedup_key"], a["count"]) for a in alerts] == [("co-err", 2)]


def test_the_batch_form_takes_a_list(client: TestClient, as_: Headers) -> None:
    created = create(client, as_)
    body = [
        {
            "summary": f"Disk full on db{n}",
            "dedup_key": f"disk-{n}",
            "labels": {"alertname": "DiskFull"},
        }
        for n in range(50)
    ]
    response = post(client, created, body)
    assert response.status_code == 202
    assert {a["result"] for a in response.json()["alerts"]} == {"created"}
    assert len(incidents(client, as_)) == 1  # one group: DiskFull


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda c: {**c, "key": "0" * 32}, 404, "unknown_key"),
        (lambda c: {**c, "kind": "grafana"}, 400, "wrong_kind"),
    ],
)
def test_a_wrong_key_or_kind_is_refused_and_creates_nothing(
    client: TestClient, as_: Headers, mutate: Any, status: int, code: str
) -> None:
    created = create(client, as_)
    response = post(client, mutate(created), {"summary": "x"})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert incidents(client, as_) == []


def test_bad_bodies_are_refused_naming_the_problem(client: TestClient, as_: Headers) -> None:
    created = create(client, as_)
    path = f"/api/v1/ingest/{created['key']}/generic"
    assert client.post(path, content=b"{nope").json()["code"] == "bad_json"
    missing = client.post(path, json={"severity": "critical"})
    assert missing.status_code == 422 and missing.json()["field"] == "summary"
    huge = client.post(path, content=b"[" + b" " * (1024 * 1024) + b"]")
    assert huge.status_code == 413
    assert incidents(client, as_) == []


def test_an_oversize_pagerduty_event_gets_pagerdutys_error_shape(
    client: TestClient, as_: Headers
) -> None:
    created = create(client, as_, kind="pagerduty")
    event = {"routing_key": created["key"], "event_action": "trigger", "pad": " " * 1024 * 1024}
    huge = client.post("/v2/enqueue", content=json.dumps(event))
    assert huge.status_code == 413
    assert huge.json()["status"] == "invalid event"
    assert "1048576 bytes" in huge.json()["errors"][0]
    assert incidents(client, as_) == []


def test_a_disabled_integration_is_refused_at_once(client: TestClient, as_: Headers) -> None:
    created = create(client, as_)
    client.post(f"/api/v1/integrations/{created['name']}/disable", headers=as_("alice"))
    assert post(client, created, {"summary": "x"}).status_code == 403


def test_a_rotated_key_replaces_the_old_one(client: TestClient, as_: Headers) -> None:
    created = create(client, as_)
    rotated = client.post(
        f"/api/v1/integrations/{created['name']}/rotate-key", headers=as_("alice")
    ).json()
    assert post(client, created, {"summary": "x"}).status_code == 404
    assert post(client, rotated, {"summary": "x"}).status_code == 202


def test_a_signed_integration_refuses_unsigned_forged_and_replayed_requests(
    client: TestClient, as_: Headers, clock: FrozenClock
) -> None:
    secret = "a-long-shared-secret"
    created = create(client, as_, hmac_secret=secret)
    body = json.dumps({"summary": "signed alert"}).encode()
    path = f"/api/v1/ingest/{created['key']}/generic"
    now = int(clock.now().timestamp())
    assert client.post(path, content=body).status_code == 401
    forged = sign("not-the-right-secret", now, body)
    assert client.post(path, content=body, headers={HEADER: forged}).status_code == 401
    stale = sign(secret, now - 3600, body)
    assert client.post(path, content=body, headers={HEADER: stale}).status_code == 401
    good = sign(secret, now, body)
    assert client.post(path, content=body, headers={HEADER: good}).status_code == 202


def test_a_signed_request_is_taken_once_even_inside_its_time_window(
    client: TestClient, as_: Headers, clock: FrozenClock, database: Database
) -> None:
    secret = "a-long-shared-secret"
    created = create(client, as_, hmac_secret=secret)
    path = f"/api/v1/ingest/{created['key']}/generic"
    body = json.dumps({"summary": "disk full", "dedup_key": "disk"}).encode()
    now = int(clock.now().timestamp())
    signed = {HEADER: sign(secret, now, body)}

    def counts() -> list[int]:
        listed = client.get("/api/v1/alerts", headers=as_("charlie")).json()["items"]
        return [alert["count"] for alert in listed]

    assert client.post(path, content=body, headers=signed).status_code == 202
    replay = client.post(path, content=body, headers=signed)
    assert replay.status_code == 401
    assert "replay refused" in replay.json()["detail"]
    assert counts() == [1]
    # the same body signed again a second later is a request of its own
    clock.advance(timedelta(seconds=1))
    resent = {HEADER: sign(secret, now + 1, body)}
    assert client.post(path, content=body, headers=resent).status_code == 202
    assert counts() == [2]
    # PagerDuty's endpoint refuses a replay in its own error shape
    pagerduty = create(client, as_, kind="pagerduty", hmac_secret=secret)
    event = json.dumps(
        {"routing_key": pagerduty["key"], "event_action": "trigger", "payload": PD_PAYLOAD}
    ).encode()
    pd_signed = {HEADER: sign(secret, now + 1, event)}
    assert client.post("/v2/enqueue", content=event, headers=pd_signed).status_code == 202
    refused = client.post("/v2/enqueue", content=event, headers=pd_signed)
    assert refused.status_code == 401
    assert refused.json()["status"] == "invalid event"
    # once no stored signature could pass its timestamp check again, it is cleared
    clock.advance(timedelta(minutes=11))
    later = {HEADER: sign(secret, now + 661, body)}
    assert client.post(path, content=body, headers=later).status_code == 202
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(SeenSignature)) == 1


def test_the_alert_list_takes_its_largest_page_and_pages_on_with_a_cursor(
    client: TestClient, as_: Headers
) -> None:
    created = create(client, as_)
    post(
        client,
        created,
        [{"summary": f"Disk full on db{n}", "dedup_key": f"disk-{n}"} for n in range(3)],
    )
    whole = client.get("/api/v1/alerts?limit=1000", headers=as_("charlie"))
    assert whole.status_code == 200, whole.text
    assert (len(whole.json()["items"]), whole.json()["next_cursor"]) == (3, None)
    first = client.get("/api/v1/alerts?limit=2", headers=as_("charlie")).json()
    rest = client.get(
        f"/api/v1/alerts?limit=2&cursor={first['next_cursor']}", headers=as_("charlie")
    ).json()
    assert [a["dedup_key"] for a in first["items"] + rest["items"]] == [
        "disk-2",
        "disk-1",
        "disk-0",
    ]
    assert rest["next_cursor"] is None


def test_the_ingest_lane_answers_wrong_paths_and_methods_as_problems_and_counts_requests(
    client: TestClient, as_: Headers
) -> None:
    created = create(client, as_)
    assert post(client, created, {"summary": "disk full"}).status_code == 202
    wrong_method = client.get("/v2/enqueue")
    no_kind = client.post(f"/api/v1/ingest/{created['key']}", content=b"{}")
    assert (wrong_method.status_code, no_kind.status_code) == (405, 404)
    for response in (wrong_method, no_kind):
        assert response.headers["content-type"] == "application/problem+json"
    metrics = client.get("/metrics").text
    assert (
        'warroom_http_requests_total{method="POST",route="/api/v1/ingest/{key}/{kind}",'
        'status="202"} 1.0'
    ) in metrics
