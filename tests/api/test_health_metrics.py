"""What operators scrape and probe: liveness, readiness, Prometheus metrics, the OpenAPI doc."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from tests.support import post_incident

from warroom.app import create_app
from warroom.config import Settings

BASE = "/api/v1/incidents"


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, or None when it is absent."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return None


def test_healthz_answers_without_a_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_database_it_reached(client, db_url):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] == ("sqlite" if db_url.startswith("sqlite") else "postgresql")


def test_readyz_is_503_problem_when_the_database_is_unreachable(tmp_path, clock, config):
    broken = create_app(
        Settings(database_url=f"sqlite:///{tmp_path}/missing-dir/warroom.db"),
        clock=clock,
        config=config,
        run_worker=False,
        migrate=False,
    )
    with TestClient(broken, raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_ready"


def test_metrics_is_prometheus_text_counting_open_incidents_by_severity_and_status(client, as_):
    empty = client.get("/metrics")
    assert empty.status_code == 200
    assert empty.headers["content-type"].startswith("text/plain")
    assert "# TYPE warroom_open_incidents gauge" in empty.text
    assert metric(empty.text, "warroom_open_incidents", severity="P1", status="triggered") is None

    first = post_incident(client, as_("bob"))
    text = client.get("/metrics").text
    assert 'warroom_open_incidents{severity="P1",status="triggered"} 1.0' in text.splitlines()

    post_incident(client, as_("bob"))
    post_incident(client, as_("bob"), severity="P3")
    client.post(f"{BASE}/{first['id']}/acknowledge", headers=as_("bob"))
    text = client.get("/metrics").text
    assert metric(text, "warroom_open_incidents", severity="P1", status="triggered") == 1.0
    assert metric(text, "warroom_open_incidents", severity="P1", status="acknowledged") == 1.0
    assert metric(text, "warroom_open_incidents", severity="P3", status="triggered") == 1.0


def test_resolved_incidents_are_not_counted_as_open(client, as_):
    incident = post_incident(client, as_("bob"))
    client.post(f"{BASE}/{incident['id']}/resolve", headers=as_("bob"))
    text = client.get("/metrics").text
    assert metric(text, "warroom_open_incidents", severity="P1", status="triggered") is None
    assert metric(text, "warroom_open_incidents", severity="P1", status="resolved") is None


def test_metrics_count_requests_by_route_template_and_status(client, as_):
    incident = post_incident(client, as_("bob"))
    client.get(f"{BASE}/{incident['id']}", headers=as_("charlie"))
    client.get(f"{BASE}/{incident['ref']}", headers=as_("charlie"))
    client.get(f"{BASE}/INC-999", headers=as_("charlie"))
    client.post(BASE, json={"title": "x", "severity": "P1"}, headers=as_("charlie"))
    text = client.get("/metrics").text
    requests = "warroom_http_requests_total"
    assert metric(text, requests, method="POST", route=BASE, status="201") == 1.0
    assert metric(text, requests, method="POST", route=BASE, status="403") == 1.0
    one = f"{BASE}/{{ref}}"
    assert metric(text, requests, method="GET", route=one, status="200") == 2.0
    assert metric(text, requests, method="GET", route=one, status="404") == 1.0
    assert f'route="{BASE}/{incident["id"]}"' not in text  # no per-incident label explosion
    assert (
        metric(text, "warroom_http_request_duration_seconds_count", method="POST", route=BASE)
        == 2.0
    )


def test_job_lag_shows_how_late_the_oldest_due_job_is(client, as_, clock, worker):
    assert metric(client.get("/metrics").text, "warroom_job_lag_seconds") == 0.0
    post_incident(client, as_("bob"))  # ack due in 15 minutes
    assert metric(client.get("/metrics").text, "warroom_job_lag_seconds") == 0.0
    clock.advance(timedelta(minutes=20))
    assert metric(client.get("/metrics").text, "warroom_job_lag_seconds") == 300.0
    worker.run_due()
    assert metric(client.get("/metrics").text, "warroom_job_lag_seconds") == 0.0


def test_openapi_lists_every_incident_path(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths[BASE]) >= {"get", "post"}
    for suffix in ("", "/timeline"):
        assert "get" in paths[f"{BASE}/{{ref}}{suffix}"]
    for action in (
        "acknowledge",
        "status",
        "updates",
        "severity",
        "roles",
        "resolve",
        "reopen",
        "close",
    ):
        assert "post" in paths[f"{BASE}/{{ref}}/{action}"], action
    assert {"/healthz", "/readyz", "/metrics", "/api/v1/tokens"} <= set(paths)


def test_openapi_describes_what_incident_routes_answer(client):
    """The incident routes serialise their own answers; the document still says what
    they send, so generated clients keep their types."""
    paths = client.get("/openapi.json").json()["paths"]

    def schema(path: str, method: str, status: str) -> str:
        content = paths[path][method]["responses"][status]["content"]["application/json"]
        return str(content["schema"]["$ref"]).rsplit("/", 1)[-1]

    assert schema(BASE, "post", "201") == "IncidentRead"
    assert schema(BASE, "get", "200") == "IncidentPage"
    assert schema(f"{BASE}/{{ref}}", "get", "200") == "IncidentWithTimeline"
    assert schema(f"{BASE}/{{ref}}/updates", "post", "201") == "IncidentRead"
    assert schema(f"{BASE}/{{ref}}/acknowledge", "post", "200") == "IncidentRead"
