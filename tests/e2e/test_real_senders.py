"""Alerts from the real senders into the real server: Prometheus Alertmanager (the binary),
the official `pagerduty` client, and the bodies Grafana, Sentry and Datadog publish.

Each test starts `warroom serve` (with its worker) on a free loopback port, on the database
of the `db_url` fixture, with a config whose one level monitors for two seconds after the
alerts clear, so the whole path (open, deduplicate, group, clear, monitor, auto-resolve) runs
within the test. Every wait polls the real processes with a bound; every process started here
is killed by its PID at the end.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pagerduty
import pytest
from tests.support import HOST, PAYLOADS, WARROOM, free_port, iso, poll

pytestmark = pytest.mark.slow

WAIT = 30.0  # seconds: the bound on every poll for something to happen
START = 60.0  # seconds: the bound on a process coming up (imports are slow on a busy machine)
CONFIG = """
# One level that monitors for 2 s once every alert of an incident has cleared, so the
# auto-resolve of the default route finishes within a test; every alert routes to it.
[[severities]]
id = "P2"
name = "Test"
definition = "Every alert in these tests."
ack_within = "15m"
monitor_for = "2s"

[default_route]
severity = "P2"
"""


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


class Warroom:
    """`warroom serve` with its worker, its CLI, and a viewer's view of its API."""

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.tmp_path = tmp_path
        self.db_url = db_url
        self.config = tmp_path / "warroom.toml"
        self.config.write_text(CONFIG)
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.env = {**os.environ, "WARROOM_ACTOR": "e2e", "WARROOM_PUBLIC_URL": self.base}
        for name in ("WARROOM_CONFIG", "WARROOM_DATABASE_URL"):
            self.env.pop(name, None)
        self.started: list[subprocess.Popen[bytes]] = []
        self.log_files: list[Any] = []
        self.headers: dict[str, str] = {}

    def spawn(
        self, name: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        self.log_files.append(log)
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env or self.env
        )
        self.started.append(process)
        return process

    def serve(self) -> None:
        process = self.spawn(
            "warroom",
            [
                WARROOM,
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--db",
                self.db_url,
                "--config",
                str(self.config),
            ],
        )
        deadline = time.monotonic() + START
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"warroom serve exited with {process.returncode}: {self.logs()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"warroom serve did not come up on {self.base}: {self.logs()}")
        token = self.cli("token", "create", "e2e-viewer", "--role", "viewer")["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def cli(self, *args: str) -> Any:
        done = subprocess.run(
            [WARROOM, *args, "--db", self.db_url, "--config", str(self.config), "--json"],
            capture_output=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
        return json.loads(done.stdout)

    def integration(self, kind: str) -> dict[str, str]:
        created: dict[str, str] = self.cli("integration", "create", kind, "--kind", kind)
        assert created["url"].startswith(self.base), created
        return created

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.base}{path}", params=params, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def incidents(self) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/incidents", status="all")["items"])

    def incident(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/incidents/{ref}")
        return found

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/alerts", limit=1000, **params)["items"])

    def send(self, integration: dict[str, str], body: object) -> list[dict[str, Any]]:
        """POST a body to the integration's URL as its tool would; the outcome per alert."""
        response = httpx.post(
            integration["url"],
            content=json.dumps(body),
            timeout=10,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 202, response.text
        return list(response.json()["alerts"])

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.tmp_path.glob("*.log"))
        )

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for log in self.log_files:
            log.close()


@pytest.fixture
def warroom(tmp_path: Path, db_url: str) -> Iterator[Warroom]:
    server = Warroom(tmp_path, db_url)
    try:
        server.serve()
        yield server
    finally:
        server.stop_all()


def results(outcomes: list[dict[str, Any]]) -> list[str]:
    return [o["result"] for o in outcomes]


def resolved_through_monitoring(warroom: Warroom, ref: str, actor: str) -> dict[str, Any]:
    """Wait until the incident resolves; check it went to monitoring when its alerts cleared
    (by the integration), then to resolved when monitoring was over (by warroom)."""
    incident = poll(
        lambda: (found := warroom.incident(ref))["status"] == "resolved" and found, seconds=WAIT
    )
    assert incident, f"{ref} did not resolve within {WAIT} s: {warroom.incident(ref)}"
    moves = [
        (e["actor"], e["data"].get("to")) for e in incident["timeline"] if e["kind"] == "status"
    ]
    assert moves == [(actor, "monitoring"), ("warroom", "resolved")], moves
    return dict(incident)


# -- Prometheus Alertmanager ----------------------------------------------------------------


def alertmanager_binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(
            "prometheus-alertmanager is not installed: CI must run this test "
            "(.ci/run installs it with apt)"
        )
    pytest.skip(
        "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"
    )


def start_alertmanager(warroom: Warroom, url: str) -> str:
    """Alertmanager with one webhook receiver (url), grouping by alertname, re-sending
    every second; returns its base URL once it is ready."""
    binary = alertmanager_binary()
    config = warroom.tmp_path / "alertmanager.yml"
    config.write_text(
        json.dumps(
            {  # YAML is a superset of JSON
                "route": {
                    "receiver": "warroom",
                    "group_by": ["alertname"],
                    "group_wait": "0s",
                    "group_interval": "1s",
                    "repeat_interval": "1s",
                },
                "receivers": [
                    {"name": "warroom", "webhook_configs": [{"url": url, "send_resolved": True}]}
                ],
            }
        )
    )
    storage = warroom.tmp_path / "alertmanager-data"
    storage.mkdir()
    port = free_port()
    base = f"http://{HOST}:{port}"
    process = warroom.spawn(
        "alertmanager",
        [
            binary,
            f"--config.file={config}",
            f"--web.listen-address={HOST}:{port}",
            "--cluster.listen-address=",
            f"--storage.path={storage}",
        ],
        env={"PATH": os.environ.get("PATH", "")},
    )

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"alertmanager exited with {process.returncode}: {warroom.logs()}")
        try:
            return httpx.get(f"{base}/-/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    assert poll(ready, seconds=START), f"alertmanager did not come up on {base}: {warroom.logs()}"
    return base


def prometheus_alerts(starts: datetime, ends: datetime) -> list[dict[str, Any]]:
    """What Prometheus posts: two instances of HighLatency and one DiskFull."""

    def alert(name: str, instance: str, job: str, severity: str, summary: str) -> dict[str, Any]:
        return {
            "labels": {"alertname": name, "instance": instance, "job": job, "severity": severity},
            "annotations": {
                "summary": summary,
                "runbook_url": f"https://runbooks.example.com/{name}",
            },
            "startsAt": iso(starts),
            "endsAt": iso(ends),
            "generatorURL": f"http://prometheus.example.com:9090/graph?g0.expr={name}",
        }

    return [
        alert("HighLatency", "web-1:9100", "web", "critical", "p99 latency above 2 s on web-1"),
        alert("HighLatency", "web-2:9100", "web", "critical", "p99 latency above 2 s on web-2"),
        alert("DiskFull", "db-1:9100", "db", "warning", "Disk 95% full on db-1"),
    ]


def post_to_alertmanager(base: str, alerts: list[dict[str, Any]]) -> None:
    response = httpx.post(f"{base}/api/v2/alerts", json=alerts, timeout=10)
    assert response.status_code == 200, response.text


def test_alertmanager_groups_by_alertname_counts_repeats_and_resolves_its_incidents(
    warroom: Warroom,
) -> None:
    integration = warroom.integration("alertmanager")
    manager = start_alertmanager(warroom, integration["url"])
    starts = datetime.now(UTC) - timedelta(minutes=1)
    post_to_alertmanager(manager, prometheus_alerts(starts, starts + timedelta(minutes=30)))

    def repeated(times: int) -> list[dict[str, Any]] | None:
        alerts = warroom.alerts()
        return alerts if len(alerts) == 3 and min(a["count"] for a in alerts) >= times else None

    first = poll(lambda: repeated(2), seconds=WAIT)
    assert first, f"three alerts, each sent twice, within {WAIT} s: {warroom.alerts()}"
    counts = {a["dedup_key"]: a["count"] for a in first}
    later = poll(
        lambda: (
            (alerts := repeated(2))
            and all(a["count"] > counts[a["dedup_key"]] for a in alerts)
            and alerts
        ), seconds=WAIT
    )
    assert later, f"Alertmanager's repeats were not counted: {warroom.alerts()}"
    assert len(warroom.alerts()) == 3  # repeats update the rows; they add none

    fingerprints = {a["fingerprint"] for a in httpx.get(f"{manager}/api/v2/alerts").json()}
    assert {a["dedup_key"] for a in later} == fingerprints
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for alert in later:
        by_incident.setdefault(alert["incident"], []).append(alert)
    assert len(warroom.incidents()) == len(by_incident) == 2
    groups = {
        frozenset(a["labels"]["alertname"] for a in alerts): alerts
        for alerts in by_incident.values()
    }
    latency, disk = groups[frozenset({"HighLatency"})], groups[frozenset({"DiskFull"})]
    assert sorted(a["source"] for a in latency) == ["web-1:9100", "web-2:9100"]
    assert [(a["source"], a["service"], a["source_severity"]) for a in disk] == [
        ("db-1:9100", "db", "warning")
    ]
    assert {link["text"] for link in disk[0]["links"]} == {"Source", "Runbook", "Alertmanager"}

    ended = datetime.now(UTC) - timedelta(seconds=1)
    post_to_alertmanager(manager, prometheus_alerts(starts, ended))
    cleared = poll(
        lambda: (
            (alerts := warroom.alerts())
            and all(a["status"] == "resolved" for a in alerts)
            and alerts
        ), seconds=WAIT
    )
    assert cleared, f"Alertmanager's resolved notice did not arrive: {warroom.alerts()}"
    assert len(cleared) == 3
    for ref, alerts in by_incident.items():
        incident = resolved_through_monitoring(warroom, ref, actor="alertmanager")
        resolves = [e for e in incident["timeline"] if e["kind"] == "alert_resolved"]
        # one line for the alerts resolved together; a repeated resolved notice adds none
        assert sum(e["data"].get("count", 1) for e in resolves) == len(alerts)
        assert [e["kind"] for e in incident["timeline"]][:2] == ["declared", "alert"]


# -- the official PagerDuty client -------------------------------------------------------------


class LoopbackEventsClient(pagerduty.EventsApiV2Client):
    """The official Events API v2 client, pointed at warroom over plain HTTP on loopback: its
    `url` setter refuses anything but https://, and the test server has no certificate.
    Everything else (requests, retries, error handling) is the client's own."""

    @property
    def url(self) -> str:
        return str(self._url)

    @url.setter
    def url(self, base: str) -> None:
        self._url = base


def test_the_pagerduty_client_triggers_acknowledges_and_resolves_an_incident(
    warroom: Warroom,
) -> None:
    integration = warroom.integration("pagerduty")
    assert integration["url"] == f"{warroom.base}/v2/enqueue"
    client = LoopbackEventsClient(integration["key"], base_url=warroom.base)

    details = {"error_rate": "9%"}
    key = client.trigger(
        "Checkout returns 500",
        "web-1",
        dedup_key="checkout-5xx",
        severity="error",
        custom_details=details,
        links=[{"href": "https://grafana.example.com/d/co", "text": "Graph"}],
    )
    assert key == "checkout-5xx"
    assert client.trigger("Checkout returns 500", "web-1", dedup_key=key) == key
    [alert] = warroom.alerts()
    assert (alert["dedup_key"], alert["count"], alert["source"], alert["source_severity"]) == (
        key,
        2,
        "web-1",
        "error",
    )
    [incident] = warroom.incidents()
    assert (incident["title"], incident["status"], incident["source"]) == (
        "Checkout returns 500",
        "triggered",
        "alert",
    )

    assert client.acknowledge(key) == key
    acknowledged = warroom.incident(incident["ref"])
    assert acknowledged["status"] == "acknowledged"
    assert [e["actor"] for e in acknowledged["timeline"] if e["kind"] == "acknowledged"] == [
        "pagerduty"
    ]

    assert client.resolve(key) == key
    assert [a["status"] for a in warroom.alerts()] == ["resolved"]
    done = resolved_through_monitoring(warroom, incident["ref"], actor="pagerduty")
    assert "Alert resolved: Checkout returns 500" in [e["text"] for e in done["timeline"]]


def test_a_pagerduty_trigger_without_a_dedup_key_gets_a_new_one_each_time(
    warroom: Warroom,
) -> None:
    client = LoopbackEventsClient(warroom.integration("pagerduty")["key"], base_url=warroom.base)
    first = client.trigger("Queue depth above 10k", "worker-3", severity="warning")
    second = client.trigger("Queue depth above 10k", "worker-3", severity="warning")
    assert first and second and first != second
    assert sorted(a["dedup_key"] for a in warroom.alerts()) == sorted([first, second])
    assert client.resolve(first) == first
    assert {a["dedup_key"]: a["status"] for a in warroom.alerts()} == {
        first: "resolved",
        second: "firing",
    }


def test_a_bad_pagerduty_event_gets_pagerdutys_error_and_the_client_raises(
    warroom: Warroom,
) -> None:
    client = LoopbackEventsClient(warroom.integration("pagerduty")["key"], base_url=warroom.base)
    with pytest.raises(pagerduty.HttpError) as raised:
        client.trigger("Disk on fire", "db-1", dedup_key="db-1/disk", severity="fatal")
    response = raised.value.response
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"status", "message", "errors"}
    assert body["status"] == "invalid event" and "payload.severity" in body["errors"][0]

    stranger = LoopbackEventsClient("0" * 32, base_url=warroom.base)
    with pytest.raises(pagerduty.HttpError) as unknown:
        stranger.trigger("Disk on fire", "db-1", severity="critical")
    assert unknown.value.response.status_code == 400
    assert warroom.alerts() == [] and warroom.incidents() == []


# -- Grafana, Sentry, Datadog: their published bodies over HTTP --------------------------------


def test_grafanas_webhook_opens_an_incident_per_alertname_and_resolves_them(
    warroom: Warroom,
) -> None:
    grafana = warroom.integration("grafana")
    fired = payload("grafana_webhook.json")
    assert results(warroom.send(grafana, fired)) == ["created", "created"]
    assert results(warroom.send(grafana, fired)) == ["updated", "updated"]
    by_name = {a["labels"]["alertname"]: a for a in warroom.alerts()}
    memory, cpu = by_name["High memory usage"], by_name["High CPU usage"]
    assert memory["incident"] != cpu["incident"]
    assert [a["count"] for a in (memory, cpu)] == [2, 2]

    another_zone = copy.deepcopy(fired)
    another_zone["alerts"] = [copy.deepcopy(fired["alerts"][0])]
    another_zone["alerts"][0]["labels"]["zone"] = "us-2"
    another_zone["alerts"][0]["fingerprint"] = "5e2f0a9c1b7d4e36"
    [joined] = warroom.send(grafana, another_zone)
    assert (joined["result"], joined["incident"]) == ("created", memory["incident"])
    assert len(warroom.incidents()) == 2

    resolved = copy.deepcopy(fired)
    resolved["alerts"].append(another_zone["alerts"][0])
    resolved.update(status="resolved", state="ok", title="[RESOLVED] (blue)")
    for alert in resolved["alerts"]:
        alert.update(status="resolved", endsAt=iso(datetime.now(UTC)))
    assert results(warroom.send(grafana, resolved)) == ["resolved"] * 3
    for ref in (memory["incident"], cpu["incident"]):
        resolved_through_monitoring(warroom, ref, actor="grafana")


def sentry_issue(action: str, issue_id: str, title: str) -> dict[str, Any]:
    """Sentry's `issue` webhook (Sentry-Hook-Resource: issue), as its docs describe it."""
    return {
        "action": action,
        "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
        "actor": {"type": "user", "id": "1", "name": "Alice"},
        "data": {
            "issue": {
                "id": issue_id,
                "shortId": "FRONT-END-1",
                "title": title,
                "culprit": "?(<anonymous>)",
                "level": "error",
                "status": action,
                "substatus": None,
                "statusDetails": {},
                "platform": "javascript",
                "project": {
                    "id": "1",
                    "name": "front-end",
                    "slug": "front-end",
                    "platform": "javascript",
                },
                "web_url": f"https://sentry.io/organizations/test-org/issues/{issue_id}/",
                "permalink": f"https://test-org.sentry.io/issues/{issue_id}/",
                "firstSeen": "2019-08-19T21:06:17.677000Z",
                "lastSeen": iso(datetime.now(UTC)),
                "count": "3",
                "userCount": 1,
            }
        },
    }


def test_sentrys_issue_alerts_fold_into_one_incident_per_issue_until_sentry_resolves_it(
    warroom: Warroom,
) -> None:
    sentry = warroom.integration("sentry")
    alert = payload("sentry_issue_alert.json")
    assert results(warroom.send(sentry, alert)) == ["created"]
    again = copy.deepcopy(alert)  # the next event of the same issue
    again["data"]["event"].update(
        event_id="0c8e1e8a3f3a4d1c9a86b4b0e8e0a8b1", datetime=iso(datetime.now(UTC))
    )
    assert results(warroom.send(sentry, again)) == ["updated"]
    other = copy.deepcopy(alert)
    other["data"]["event"].update(issue_id="1117540999", title="TypeError: x is undefined")
    assert results(warroom.send(sentry, other)) == ["created"]

    alerts = {a["dedup_key"]: a for a in warroom.alerts()}
    heck, undefined = alerts["sentry-issue-1117540176"], alerts["sentry-issue-1117540999"]
    assert (heck["count"], heck["summary"], heck["source_severity"]) == (
        2,
        "ReferenceError: heck is not defined",
        "error",
    )
    assert heck["incident"] != undefined["incident"]

    title = "ReferenceError: heck is not defined"
    assert results(warroom.send(sentry, sentry_issue("resolved", "1117540176", title))) == [
        "resolved"
    ]
    resolved_through_monitoring(warroom, heck["incident"], actor="sentry")
    assert warroom.incident(undefined["incident"])["status"] == "triggered"


DATADOG = (PAYLOADS / "datadog_webhook.json").read_text()


def datadog(title: str, message: str, event_id: int) -> Any:
    """The Webhooks tile's default payload with its $VARIABLES as Datadog fills them."""
    now_ms = str(int(time.time() * 1000))
    values = {
        "EVENT_MSG": f"%%%\n{message}\n%%%",
        "LAST_UPDATED": now_ms,
        "DATE": now_ms,
        "EVENT_TYPE": "query_alert_monitor",
        "EVENT_TITLE": title,
        "ORG_ID": "11023",
        "ORG_NAME": "Example Org",
        "ID": str(event_id),
    }
    return json.loads(re.sub(r"\$([A-Z_]+)", lambda m: json.dumps(values[m[1]])[1:-1], DATADOG))


def test_datadogs_default_webhook_dedups_each_monitor_and_resolves_on_recovered(
    warroom: Warroom,
) -> None:
    hook = warroom.integration("datadog")
    cpu, disk = "CPU usage is high", "Disk almost full on db-1"
    sent = [
        (f"[Triggered on {{host:web-1}}] {cpu}", "created"),
        (f"[P3] [Warn] {disk}", "created"),
        (f"[Re-Triggered on {{host:web-1}}] {cpu}", "updated"),
        (f"[P3] [Triggered] {disk}", "updated"),
    ]
    for n, (title, result) in enumerate(sent):
        assert results(warroom.send(hook, datadog(title, f"{title} (value 97)", n))) == [result]
    alerts = {a["summary"]: a for a in warroom.alerts()}
    assert set(alerts) == {f"{cpu} (host:web-1)", disk}
    assert [a["count"] for a in alerts.values()] == [2, 2]
    cpu_ref, disk_ref = alerts[f"{cpu} (host:web-1)"]["incident"], alerts[disk]["incident"]
    assert cpu_ref != disk_ref and len(warroom.incidents()) == 2

    recovered = datadog(f"[Recovered on {{host:web-1}}] {cpu}", "CPU back to 40%", 9)
    assert results(warroom.send(hook, recovered)) == ["resolved"]
    resolved_through_monitoring(warroom, cpu_ref, actor="datadog")
    assert warroom.incident(disk_ref)["status"] == "triggered"
    recovered = datadog(f"[P3] [Recovered] {disk}", "Disk at 60%", 10)
    assert results(warroom.send(hook, recovered)) == ["resolved"]
    resolved_through_monitoring(warroom, disk_ref, actor="datadog")
