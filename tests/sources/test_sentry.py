"""Sentry integration-platform webhooks (issue alerts, metric alerts, issues) → alerts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from tests.sources.helpers import FUZZ, json_values, mutations, parses_or_refuses, sample

from warroom.domain.alerts import AlertAction, Link, PayloadError, Urgency
from warroom.sources.sentry import parse

SAMPLE = sample("sentry_issue_alert.json")
ACTOR = {"id": "sentry", "name": "Sentry", "type": "application"}
INSTALLATION = {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}
# The example payloads of Sentry's docs (integration-platform/webhooks/metric-alerts.mdx and
# issues.mdx), trimmed of fields the parser does not read.
METRIC_ALERT = {
    "action": "resolved",
    "actor": ACTOR,
    "data": {
        "description_text": "1000 events in the last 10 minutes\\nFilter: level:error",
        "description_title": "Resolved: Too many errors",
        "metric_alert": {
            "alert_rule": {
                "aggregate": "count()", "dataset": "events", "environment": None, "id": "7",
                "name": "Too many errors", "organization_id": "5", "projects": ["bar"],
                "query": "level:error", "time_window": 10, "triggers": [],
            },
            "date_closed": None,
            "date_created": "2020-09-13T12:26:40.000000Z",
            "date_detected": "2020-09-13T12:26:40.000000Z",
            "date_started": "2020-09-13T12:26:40.000000Z",
            "id": "4",
            "identifier": "1",
            "organization_id": "5",
            "projects": ["bar"],
            "status": 2,
            "title": "Sacred Marmot",
        },
        "web_url": "https://sentry.io/organizations/baz/alerts/1/",
    },
    "installation": INSTALLATION,
}
ISSUE = {
    "action": "created",
    "actor": ACTOR,
    "data": {
        "issue": {
            "assignedTo": None, "count": "1", "culprit": "?(runner)",
            "firstSeen": "2019-08-19T20:58:37.391000Z", "id": "1170820242", "level": "error",
            "metadata": {"filename": "/runner", "type": "ReferenceError",
                         "value": "blooopy is not defined"},
            "permalink": None, "platform": "javascript",
            "project": {"id": "1", "name": "front-end", "platform": "", "slug": "front-end"},
            "shortId": "FRONT-END-9", "status": "unresolved", "statusDetails": {},
            "substatus": "escalating", "title": "ReferenceError: blooopy is not defined",
            "type": "error", "userCount": 1,
        },
    },
    "installation": INSTALLATION,
}


def changed(body: dict[str, Any], *path: str, value: Any) -> dict[str, Any]:
    """A copy of body with the value at path replaced (None deletes)."""
    copied = copy.deepcopy(body)
    node = copied
    for key in path[:-1]:
        node = node[key]
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return copied


def test_the_sample_issue_alert_triggers_the_issue() -> None:
    [alert] = parse(SAMPLE)
    assert (alert.dedup_key, alert.action) == ("sentry-issue-1117540176", AlertAction.TRIGGER)
    assert alert.summary == "ReferenceError: heck is not defined"
    assert (alert.severity, alert.source_severity) == (Urgency.ERROR, "error")
    assert (alert.service, alert.source) == (None, "?(<anonymous>)")
    assert alert.labels["browser"] == "Chrome 75.0.3770"
    assert alert.labels["url"] == "https://null.jsbin.com/runner"
    assert len(alert.labels) == 9
    assert alert.links == (
        Link("https://sentry.io/organizations/test-org/issues/1117540176/events/"
             "e4874d664c3540c1a32eab185f12c5ab/", "Sentry event"),
        Link("https://sentry.io/api/0/issues/1117540176/", "Sentry issue (API)"),
    )
    assert alert.started_at == datetime(2019, 8, 19, 21, 6, 17, 677000, tzinfo=UTC)
    assert alert.details["triggered_rule"] == "Very Important Alert Rule!"
    assert alert.raw == SAMPLE


@pytest.mark.parametrize(
    ("level", "expected"),
    [("fatal", Urgency.CRITICAL), ("error", Urgency.ERROR), ("warning", Urgency.WARNING),
     ("info", Urgency.INFO), ("debug", Urgency.INFO), (None, None)],
)
def test_levels_map_to_the_common_scale(level: str | None, expected: Urgency | None) -> None:
    [alert] = parse(changed(SAMPLE, "data", "event", "level", value=level))
    assert (alert.severity, alert.source_severity) == (expected, level)


def test_api_style_tags_and_a_server_name_are_read() -> None:
    tags = [{"key": "server_name", "value": "web-3"}, {"key": "release", "value": None}]
    [alert] = parse(changed(SAMPLE, "data", "event", "tags", value=tags))
    assert (alert.labels, alert.source) == ({"server_name": "web-3"}, "web-3")


def test_a_resolved_metric_alert_resolves_its_incident() -> None:
    [alert] = parse(METRIC_ALERT)
    assert (alert.dedup_key, alert.action) == ("sentry-metric-4", AlertAction.RESOLVE)
    assert alert.summary == "Resolved: Too many errors"
    assert (alert.severity, alert.source_severity) == (None, "resolved")
    assert alert.labels == {"alert_rule": "Too many errors", "projects": "bar"}
    assert alert.links == (Link("https://sentry.io/organizations/baz/alerts/1/", "Sentry alert"),)
    assert alert.started_at == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert alert.details["query"] == "level:error"
    assert alert.details["description_text"].startswith("1000 events")


@pytest.mark.parametrize(("action", "urgency"),
                         [("critical", Urgency.CRITICAL), ("warning", Urgency.WARNING)])
def test_critical_and_warning_metric_alerts_trigger_at_that_urgency(
    action: str, urgency: Urgency
) -> None:
    body = changed(METRIC_ALERT, "action", value=action)
    body["data"]["description_title"] = f"{action.title()}: Too many errors"
    [alert] = parse(body)
    assert (alert.action, alert.severity, alert.dedup_key) == (
        AlertAction.TRIGGER, urgency, "sentry-metric-4")


def test_a_metric_alert_without_a_title_uses_the_rule_name() -> None:
    [alert] = parse(changed(METRIC_ALERT, "data", "description_title", value=None))
    assert alert.summary == "Too many errors"


def test_an_issue_webhook_opens_the_same_alert_an_issue_alert_would() -> None:
    [alert] = parse(ISSUE)
    assert (alert.dedup_key, alert.action) == ("sentry-issue-1170820242", AlertAction.TRIGGER)
    assert alert.summary == "ReferenceError: blooopy is not defined"
    assert (alert.severity, alert.source) == (Urgency.ERROR, "?(runner)")
    assert alert.labels == {"project": "front-end", "short_id": "FRONT-END-9"}
    assert alert.started_at == datetime(2019, 8, 19, 20, 58, 37, 391000, tzinfo=UTC)
    assert alert.details["substatus"] == "escalating"
    assert alert.links == ()


def test_an_issue_links_to_its_web_url_and_permalink() -> None:
    body = changed(ISSUE, "data", "issue", "web_url", value="https://sentry.io/issues/1170820242/")
    body["data"]["issue"]["permalink"] = "https://org.sentry.io/issues/1170820242/"
    [alert] = parse(body)
    assert [link.href for link in alert.links] == ["https://sentry.io/issues/1170820242/",
                                                  "https://org.sentry.io/issues/1170820242/"]


@pytest.mark.parametrize(
    ("action", "expected"),
    [("resolved", AlertAction.RESOLVE), ("archived", AlertAction.RESOLVE),
     ("ignored", AlertAction.RESOLVE), ("unresolved", AlertAction.TRIGGER),
     ("assigned", AlertAction.ACKNOWLEDGE)],
)
def test_issue_actions_map_to_alert_actions(action: str, expected: AlertAction) -> None:
    [alert] = parse(changed(ISSUE, "action", value=action))
    assert (alert.action, alert.dedup_key) == (expected, "sentry-issue-1170820242")


@pytest.mark.parametrize(
    ("body", "field"),
    [(None, None), ("triggered", None), ({"action": "triggered"}, "data"),
     (changed(SAMPLE, "data", value={}), "data"),
     (changed(SAMPLE, "action", value=None), "action"),
     (changed(SAMPLE, "action", value="resolved"), "action"),
     (changed(SAMPLE, "data", "event", value="e"), "data.event"),
     (changed(SAMPLE, "data", "event", "issue_id", value=None), "data.event.issue_id"),
     (changed(SAMPLE, "data", "event", "level", value=40), "data.event.level"),
     (changed(SAMPLE, "data", "event", "tags", value=[["only-a-key"]]), "data.event.tags[0]"),
     (changed(SAMPLE, "data", "event", "tags", value="a:b"), "data.event.tags"),
     (changed(SAMPLE, "data", "event", "datetime", value="last tuesday"), "data.event.datetime"),
     (changed(METRIC_ALERT, "action", value="triggered"), "action"),
     (changed(METRIC_ALERT, "data", "metric_alert", "id", value=None), "data.metric_alert.id"),
     (changed(METRIC_ALERT, "data", "metric_alert", "alert_rule", value=[]),
      "data.metric_alert.alert_rule"),
     (changed(ISSUE, "action", value="exploded"), "action"),
     (changed(ISSUE, "data", "issue", "id", value=""), "data.issue.id"),
     (changed(changed(ISSUE, "data", "issue", "title", value=None),
              "data", "issue", "culprit", value=None), "data.issue.title")],
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
@given(mutations(SAMPLE) | mutations(METRIC_ALERT) | mutations(ISSUE))
def test_mutated_samples_never_crash(body: object) -> None:
    parses_or_refuses(parse, body)
