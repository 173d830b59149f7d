"""Random bodies against the ingest endpoints, through the whole app and its database.

Whatever arrives, an ingest URL never answers 500: it accepts (202) or refuses with a 4xx
that is problem+json (PagerDuty's own error shape on /v2/enqueue), and a refused request
leaves no alert, incident or timeline line behind.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from tests.sources.helpers import json_values, mutations, sample

from warroom.db.models import Alert, Event, Incident
from warroom.sources import KINDS

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
PAGERDUTY_ERROR_KEYS = {"status", "message", "errors"}

DATADOG_FIRED = {
    "body": "%%%\nCPU above 90% on web-1\n%%%", "last_updated": "1700000000000",
    "event_type": "query_alert_monitor", "title": "[Triggered on {host:web-1}] CPU high",
    "date": "1700000000000", "org": {"id": "11023", "name": "Example"}, "id": "7305928817",
}
GENERIC = [
    {"summary": "Disk full on db-1", "dedup_key": "db-1/disk", "status": "firing",
     "severity": "critical", "service": "db", "source": "db-1", "labels": {"team": "core"},
     "links": [{"href": "https://grafana.example.com/d/1", "text": "Graph"}],
     "details": {"used": "97%"}, "started_at": "2026-11-02T09:00:00Z"},
    {"summary": "Disk full on db-1", "dedup_key": "db-1/disk", "status": "resolved"},
]
SAMPLES: dict[str, Any] = {
    "alertmanager": sample("alertmanager_webhook.json"),
    "grafana": sample("grafana_webhook.json"),
    "sentry": sample("sentry_issue_alert.json"),
    "datadog": DATADOG_FIRED,
    "pagerduty": sample("pagerduty_events_v2_trigger.json"),
    "generic": GENERIC,
}
EVENTS = [sample(name) for name in (
    "pagerduty_events_v2_trigger.json", "pagerduty_events_v2_trigger_openapi.json",
    "pagerduty_events_v2_acknowledge.json", "pagerduty_events_v2_resolve.json")]

raw_bytes = st.binary(max_size=300) | st.sampled_from([
    b"", b"{", b"[", b"null", b"\xff\xfe", b"{\"alerts\": [", b"\x00", b"1e999999",
    b"[" * 200 + b"]" * 200, b"{\"a\":" * 100 + b"1" + b"}" * 100, "\"é\"".encode("utf-16"),
])


@pytest.fixture
def integrations(client: TestClient, as_: Any) -> dict[str, dict[str, str]]:
    """One integration of every kind, by kind."""
    made = {}
    for kind in KINDS:
        response = client.post("/api/v1/integrations", headers=as_("alice"),
                               json={"name": f"fuzz-{kind}", "kind": kind})
        assert response.status_code == 201, response.text
        made[kind] = response.json()
    return made


@pytest.fixture
def stored(app: Any) -> Callable[[], list[int]]:
    """stored() → how many alerts, incidents and timeline lines the database holds now."""
    db = app.state.warroom.db

    def counts() -> list[int]:
        with db.read() as session:
            return [session.scalar(select(func.count()).select_from(model)) or 0
                    for model in (Alert, Incident, Event)]

    return counts


def with_key(event: object, key: object) -> object:
    """A PagerDuty event carrying `key` as its routing key, when it is an object at all."""
    if isinstance(event, dict):
        return {**event, "routing_key": key}
    return event


def ingest_path(created: dict[str, str], kind: str | None = None) -> str:
    return f"/api/v1/ingest/{created['key']}/{kind or created['kind']}"


def check_webhook_answer(response: Any, before: list[int], after: list[int]
                         ) -> None:
    event(f"HTTP {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code == 202 or 400 <= response.status_code < 500, response.text
    if response.status_code == 202:
        assert response.json()["status"] == "accepted"
        return
    assert response.headers["content-type"] == "application/problem+json", response.text
    problem = response.json()
    assert set(problem) >= PROBLEM_KEYS, problem
    assert problem["status"] == response.status_code
    assert problem["detail"].endswith("."), problem
    assert after == before, f"a refused request changed the database: {problem}"


def check_enqueue_answer(response: Any, before: list[int], after: list[int]
                         ) -> None:
    event(f"HTTP {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code == 202 or 400 <= response.status_code < 500, response.text
    body = response.json()
    if response.status_code == 202:
        assert body["status"] == "success" and isinstance(body["dedup_key"], str | None)
        return
    assert set(body) == PAGERDUTY_ERROR_KEYS, body
    assert isinstance(body["message"], str) and body["message"]
    assert body["errors"] and all(isinstance(e, str) and e for e in body["errors"]), body
    assert after == before, f"a refused event changed the database: {body}"


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_random_json_to_a_webhook_is_accepted_or_refused_as_a_problem_never_a_500(
    client: TestClient, integrations: dict[str, dict[str, str]], stored: Any, kind: str,
    data: st.DataObject,
) -> None:
    body = data.draw(mutations(SAMPLES[kind]) | json_values, label="body")
    before = stored()
    response = client.post(ingest_path(integrations[kind]), content=json.dumps(body),
                           headers={"Content-Type": "application/json"})
    check_webhook_answer(response, before, stored())


@FUZZ
@given(kind=st.sampled_from(KINDS), body=raw_bytes)
def test_raw_bytes_to_a_webhook_are_refused_as_a_problem_never_a_500(
    client: TestClient, integrations: dict[str, dict[str, str]], stored: Any, kind: str,
    body: bytes,
) -> None:
    before = stored()
    response = client.post(ingest_path(integrations[kind]), content=body)
    check_webhook_answer(response, before, stored())


@FUZZ
@given(data=st.data())
def test_a_wrong_key_or_kind_in_the_path_is_refused_as_a_problem(
    client: TestClient, integrations: dict[str, dict[str, str]], stored: Any,
    data: st.DataObject,
) -> None:
    generic = integrations["generic"]["key"]
    key = data.draw(st.just(generic) | st.sampled_from([i["key"] for i in integrations.values()])
                    | st.text(max_size=40), label="key")
    kind = data.draw(st.sampled_from(KINDS) | st.text(max_size=20), label="kind")
    before = stored()
    path = f"/api/v1/ingest/{quote(key, safe='')}/{quote(kind, safe='')}"
    response = client.post(path, content=json.dumps(SAMPLES["generic"]))
    assert response.status_code != 202 or key == generic, response.text  # only its own key
    check_webhook_answer(response, before, stored())


@FUZZ
@given(data=st.data())
def test_random_events_to_enqueue_are_accepted_or_refused_in_pagerdutys_shape(
    client: TestClient, integrations: dict[str, dict[str, str]], stored: Any,
    data: st.DataObject,
) -> None:
    keys = st.just(integrations["pagerduty"]["key"]) | st.sampled_from(
        [integrations["generic"]["key"], "0" * 32, ""]) | st.text(max_size=40) | json_values
    event = data.draw(st.sampled_from(EVENTS) | st.sampled_from(EVENTS).flatmap(mutations)
                      | json_values, label="event")
    if data.draw(st.integers(0, 4), label="keyed") > 0:
        event = with_key(copy.deepcopy(event), data.draw(keys, label="routing_key"))
    before = stored()
    response = client.post("/v2/enqueue", content=json.dumps(event),
                           headers={"Content-Type": "application/json"})
    check_enqueue_answer(response, before, stored())


@FUZZ
@given(body=raw_bytes)
def test_raw_bytes_to_enqueue_are_refused_in_pagerdutys_shape(
    client: TestClient, integrations: dict[str, dict[str, str]], stored: Any, body: bytes,
) -> None:
    before = stored()
    response = client.post("/v2/enqueue", content=body)
    check_enqueue_answer(response, before, stored())


@pytest.mark.parametrize(
    ("field", "value"),
    [("summary", "Disk full on db\x001"), ("dedup_key", "db\x001/disk"),
     ("service", "db\x00"), ("source", "db\x001"), ("severity", "crit\x00"),
     ("labels", {"alertname": "Disk\x00Full", "team\x00": "core"})],
)
def test_a_nul_character_from_a_sender_is_stored_replaced_rather_than_costing_the_alert(
    client: TestClient, as_: Any, integrations: dict[str, dict[str, str]], field: str,
    value: object,
) -> None:
    body = {"summary": "Disk full on db-1", field: value}
    response = client.post(ingest_path(integrations["generic"]), content=json.dumps(body))
    assert response.status_code == 202, response.text
    [alert] = client.get("/api/v1/alerts", headers=as_("charlie")).json()["items"]
    stored = json.dumps(alert, ensure_ascii=False)
    assert "\\u0000" not in stored and "\ufffd" in stored
    assert alert["incident"] is not None
