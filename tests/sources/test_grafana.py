"""Grafana webhook bodies (unified alerting, and legacy alerting) → alerts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from tests.sources.helpers import FUZZ, json_values, mutations, parses_or_refuses, sample

from warroom.domain.alerts import AlertAction, Link, PayloadError, Urgency
from warroom.sources.grafana import parse

SAMPLE = sample("grafana_webhook.json")
# The example body of Grafana's legacy webhook notifier (docs/sources/alerting/old-alerting/
# notifications.md, "Webhook").
LEGACY: dict[str, Any] = {
    "dashboardId": 1,
    "evalMatches": [{"value": 1, "metric": "Count", "tags": {}}],
    "imageUrl": "https://grafana.com/assets/img/blog/mixed_styles.png",
    "message": "Notification Message",
    "orgId": 1,
    "panelId": 2,
    "ruleId": 1,
    "ruleName": "Panel Title alert",
    "ruleUrl": "http://localhost:3000/d/hZ7BuVbWz/test-dashboard?fullscreen&edit&tab=alert"
               "&panelId=2&orgId=1",
    "state": "alerting",
    "tags": {"tag name": "tag value"},
    "title": "[Alerting] Panel Title alert",
}


def unified(**first: Any) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(SAMPLE)
    body["alerts"][0].update(first)
    return body


def test_the_sample_group_becomes_two_firing_alerts() -> None:
    memory, cpu = parse(SAMPLE)
    assert (memory.dedup_key, cpu.dedup_key) == ("c6eadffa33fcdf37", "bc97ff14869b13e3")
    assert {memory.action, cpu.action} == {AlertAction.TRIGGER}
    assert memory.summary == "This alert was triggered for zone us-1"
    assert cpu.summary == "This alert was triggered for zone eu-1"
    assert (memory.severity, memory.service, memory.source) == (None, None, None)
    assert memory.labels == {"alertname": "High memory usage", "team": "blue", "zone": "us-1"}
    assert memory.links == (
        Link("https://play.grafana.org/alerting/1afz29v7z/edit", "Source"),
        Link("https://myrunbook.com/runbook/1234", "Runbook"),
        Link("https://play.grafana.org/", "Grafana"),
    )
    assert memory.started_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert memory.details["values"] == {"B": 44.23943737541908, "C": 1}
    assert memory.details["description"] == "The system has high memory usage"
    assert memory.details["silenceURL"].startswith("https://play.grafana.org/alerting/silence/")
    assert (memory.details["receiver"], memory.details["orgId"]) == ("My Super Webhook", 1)
    assert memory.raw == SAMPLE["alerts"][0]


def test_dashboard_and_panel_urls_become_links_when_set() -> None:
    [alert, _] = parse(unified(dashboardURL="https://g/d/abc", panelURL="https://g/d/abc?viewPanel=2"))
    assert alert.links[-2:] == (Link("https://g/d/abc", "Dashboard"),
                                Link("https://g/d/abc?viewPanel=2", "Panel"))


def test_a_resolved_alert_resolves_and_severity_and_service_labels_are_read() -> None:
    labels = {"alertname": "High memory usage", "severity": "warning", "service": "cache"}
    [alert, _] = parse(unified(status="resolved", labels=labels))
    assert (alert.action, alert.severity, alert.service) == (
        AlertAction.RESOLVE, Urgency.WARNING, "cache")


def test_grafana_8_value_string_is_kept_in_details() -> None:
    body = unified(valueString="[ metric='' labels={} value=14151.33 ]")
    del body["alerts"][0]["values"]
    assert parse(body)[0].details["valueString"] == "[ metric='' labels={} value=14151.33 ]"


def test_the_legacy_webhook_becomes_one_alert_per_rule() -> None:
    [alert] = parse(LEGACY)
    assert (alert.dedup_key, alert.action) == ("grafana-rule-1", AlertAction.TRIGGER)
    assert alert.summary == "Panel Title alert"
    assert alert.labels == {"tag name": "tag value"}
    assert alert.links == (Link(LEGACY["ruleUrl"], "Rule"), Link(LEGACY["imageUrl"], "Graph"))
    assert alert.details["evalMatches"] == [{"value": 1, "metric": "Count", "tags": {}}]
    assert alert.details["message"] == "Notification Message"
    assert (alert.severity, alert.started_at, alert.raw) == (None, None, LEGACY)


@pytest.mark.parametrize(
    ("state", "action"),
    [("alerting", AlertAction.TRIGGER), ("no_data", AlertAction.TRIGGER),
     ("ok", AlertAction.RESOLVE)],
)
def test_legacy_states_map_to_actions_under_one_key(state: str, action: AlertAction) -> None:
    [alert] = parse({**LEGACY, "state": state, "title": f"[{state}] Panel Title alert"})
    assert (alert.action, alert.dedup_key) == (action, "grafana-rule-1")


@pytest.mark.parametrize("state", ["paused", "pending"])
def test_legacy_paused_and_pending_are_nothing_to_do(state: str) -> None:
    assert parse({**LEGACY, "state": state}) == []


def test_legacy_tags_carry_severity_and_the_title_stands_in_for_a_missing_rule_name() -> None:
    body = {k: v for k, v in LEGACY.items() if k != "ruleName"}
    [alert] = parse({**body, "tags": {"severity": "crit", "service": "db"}})
    assert (alert.summary, alert.severity, alert.source_severity, alert.service) == (
        "Panel Title alert", Urgency.CRITICAL, "crit", "db")


@pytest.mark.parametrize(
    ("body", "field"),
    [(None, None), ([SAMPLE], None), ({}, "alerts"), ({"alerts": None}, "alerts"),
     (unified(status="alerting"), "alerts[0].status"),
     (unified(startsAt="12/10/2021"), "alerts[0].startsAt"),
     ({**LEGACY, "state": "exploded"}, "state"),
     ({k: v for k, v in LEGACY.items() if k != "state"}, "state"),
     ({k: v for k, v in LEGACY.items() if k != "ruleId"}, "ruleId"),
     ({**LEGACY, "tags": ["a"]}, "tags"),
     ({"ruleId": 1, "state": "ok"}, "ruleName")],
)
def test_bad_bodies_are_refused_naming_the_field(body: object, field: str | None) -> None:
    with pytest.raises(PayloadError) as caught:
        parse(body)
    assert caught.value.field == field


@FUZZ
@given(json_values)
def test_random_json_never_crashes(body: object) -> None:
    parses_or_refuses(parse, body)


@FUZZ
@given(mutations(SAMPLE))
def test_mutated_samples_never_crash(body: object) -> None:
    parses_or_refuses(parse, body)


@FUZZ
@given(mutations(LEGACY))
def test_mutated_legacy_bodies_never_crash(body: object) -> None:
    parses_or_refuses(parse, body)
