"""One integration key cannot flood warroom: a token bucket per integration (429 with
Retry-After, the alerts not taken), and kinds that must sign their requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.clock import FrozenClock
from warroom.config import ConfigError, WarroomConfig, parse_config
from warroom.domain import signatures
from warroom.services.ingest import integrations


@pytest.fixture
def config() -> WarroomConfig:
    return parse_config({"security": {"integration_rate": 10, "integration_burst": 50,
                                      "signed_kinds": ["grafana"]}})  # fmt: skip


def _integration(client: TestClient, as_: Any, name: str, kind: str, **extra: Any) -> Any:
    return client.post(
        "/api/v1/integrations", headers=as_("alice"), json={"name": name, "kind": kind, **extra}
    )


def _alerts(count: int, prefix: str) -> list[dict[str, Any]]:
    return [{"summary": f"{prefix} {n}", "dedup_key": f"{prefix}-{n}", "service": f"s{n}"}
            for n in range(count)]  # fmt: skip


def _incidents(client: TestClient, as_: Any) -> int:
    found = client.get("/api/v1/incidents?limit=200", headers=as_("charlie")).json()
    return len(found["items"])


def test_one_key_cannot_open_a_thousand_incidents(
    client: TestClient, as_: Any, clock: FrozenClock
) -> None:
    key = _integration(client, as_, "ci", "generic").json()["key"]
    other = _integration(client, as_, "other", "generic").json()["key"]
    url = f"/api/v1/ingest/{key}/generic"
    flood = client.post(url, json=_alerts(1000, "flood"))
    assert flood.status_code == 429 and "at most 50 at once" in flood.json()["detail"]
    assert int(flood.headers["Retry-After"]) >= 1
    assert _incidents(client, as_) == 0  # no alert of it was taken
    assert client.post(url, json=_alerts(40, "a")).status_code == 202
    held = client.post(url, json=_alerts(20, "b"))  # 10 tokens left: over the rate
    assert held.status_code == 429 and held.headers["Retry-After"] == "1"
    assert _incidents(client, as_) == 40
    assert client.post(f"/api/v1/ingest/{other}/generic", json=_alerts(5, "o")).status_code == 202
    clock.advance(timedelta(seconds=1))  # 10 more tokens a second
    assert client.post(url, json=_alerts(20, "b")).status_code == 202


def test_an_integration_with_its_own_limit_is_throttled_alone(
    client: TestClient, as_: Any, clock: FrozenClock
) -> None:
    made = _integration(client, as_, "chatty", "generic", rate=1, burst=5)
    assert made.status_code == 201, made.text
    chatty = f"/api/v1/ingest/{made.json()['key']}/generic"
    calm = f"/api/v1/ingest/{_integration(client, as_, 'calm', 'generic').json()['key']}/generic"
    assert client.post(chatty, json=_alerts(5, "c")).status_code == 202
    held = client.post(chatty, json=_alerts(2, "d"))
    assert held.status_code == 429 and held.headers["Retry-After"] == "2"
    assert "'chatty' sends more than 1 alerts a second" in held.json()["detail"]
    too_many = client.post(chatty, json=_alerts(6, "e"))
    assert too_many.status_code == 429 and "'chatty' may send at most 5" in too_many.text
    assert client.post(calm, json=_alerts(50, "f")).status_code == 202  # the config's 50
    assert _incidents(client, as_) == 55
    clock.advance(timedelta(seconds=2))
    assert client.post(chatty, json=_alerts(2, "d")).status_code == 202


def test_an_integration_limit_is_set_shown_and_given_back_to_the_config(
    client: TestClient, as_: Any
) -> None:
    key = _integration(client, as_, "ci", "generic").json()["key"]
    url = f"/api/v1/ingest/{key}/generic"
    limit = "/api/v1/integrations/ci/limit"
    refused = client.put(limit, headers=as_("alice"), json={"rate": -1})
    assert refused.status_code == 422 and refused.json()["field"] == "rate"
    assert client.put(limit, headers=as_("bob"), json={"burst": 2}).status_code == 403
    own = client.put(limit, headers=as_("alice"), json={"burst": 2})
    assert own.status_code == 200 and (own.json()["rate"], own.json()["burst"]) == (None, 2)
    assert client.post(url, json=_alerts(3, "a")).status_code == 429  # more than 2 at once
    back = client.put(limit, headers=as_("alice"), json={})
    assert (back.json()["rate"], back.json()["burst"]) == (None, None)
    assert client.post(url, json=_alerts(3, "a")).status_code == 202
    listed = client.get("/api/v1/integrations", headers=as_("alice")).json()["items"]
    assert [(i["name"], i["rate"], i["burst"]) for i in listed] == [("ci", None, None)]


def test_pagerduty_senders_get_the_limit_in_their_own_shape(
    client: TestClient, as_: Any
) -> None:
    key = _integration(client, as_, "pd", "pagerduty").json()["key"]
    event = {"routing_key": key, "event_action": "trigger",
             "payload": {"summary": "s", "source": "x", "severity": "critical"}}  # fmt: skip
    answers = [client.post("/v2/enqueue", json={**event, "dedup_key": f"k{n}"})
               for n in range(51)]  # fmt: skip
    assert [a.status_code for a in answers[:50]] == [202] * 50
    assert answers[50].status_code == 429 and answers[50].headers["Retry-After"] == "1"
    assert answers[50].json()["status"] == "invalid event"


def test_a_kind_that_must_sign_refuses_unsigned_integrations_and_requests(
    client: TestClient, as_: Any, app: Any, clock: FrozenClock
) -> None:
    refused = _integration(client, as_, "graf", "grafana")
    assert refused.status_code == 422 and refused.json()["field"] == "hmac_secret"
    made = _integration(client, as_, "graf", "grafana", hmac_secret="x" * 20).json()
    body = b'{"status": "firing", "alerts": []}'
    unsigned = client.post(f"/api/v1/ingest/{made['key']}/grafana", content=body)
    assert unsigned.status_code == 401 and signatures.HEADER in unsigned.json()["detail"]
    stamp = int(clock.now().timestamp())
    signed = client.post(
        f"/api/v1/ingest/{made['key']}/grafana",
        content=body,
        headers={signatures.HEADER: signatures.sign("x" * 20, stamp, body)},
    )
    assert signed.status_code == 202, signed.text


def test_an_unsigned_integration_made_before_its_kind_had_to_sign_is_refused(
    client: TestClient, app: Any
) -> None:
    state = app.state.warroom
    before = replace(state.ctx, config=parse_config({}))
    with state.db.write.begin() as session:
        _, key = integrations.create(session, ctx=before, actor="admin", name="old", kind="grafana")
    answer = client.post(f"/api/v1/ingest/{key}/grafana", content=b'{"alerts": []}')
    assert answer.status_code == 401 and answer.json()["code"] == "signature_required"
    assert "must sign" in answer.json()["detail"]


def test_the_security_settings_are_checked_like_the_rest_of_the_config() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"security": {"signed_kinds": ["nagios"], "integration_rate": -1}})
    assert any(p.startswith("security.signed_kinds") and "nagios" in p
               for p in refused.value.problems)  # fmt: skip
    assert any(p.startswith("security.integration_rate") for p in refused.value.problems)
