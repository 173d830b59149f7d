"""Datadog Webhooks integration bodies (the default payload and the recommended one) → alerts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from tests.sources.helpers import FUZZ, json_values, mutations, parses_or_refuses
from tests.support import PAYLOADS

from warroom.domain.alerts import AlertAction, Link, PayloadError, Urgency
from warroom.sources.datadog import parse

DEFAULT = (PAYLOADS / "datadog_webhook.json").read_text()
RECOMMENDED = json.dumps({
    **json.loads(DEFAULT),
    "aggreg_key": "$AGGREG_KEY", "alert_id": "$ALERT_ID", "alert_transition": "$ALERT_TRANSITION",
    "alert_priority": "$ALERT_PRIORITY", "alert_type": "$ALERT_TYPE",
    "alert_title": "$ALERT_TITLE", "alert_status": "$ALERT_STATUS", "alert_scope": "$ALERT_SCOPE",
    "alert_cycle_key": "$ALERT_CYCLE_KEY", "hostname": "$HOSTNAME", "tags": "$TAGS",
    "link": "$LINK", "snapshot": "$SNAPSHOT", "service": "$TAGS[service]",
})
VARIABLES = {
    "EVENT_MSG": "%%%\nCPU above 90% on web-1\n%%%",
    "LAST_UPDATED": "1406662672000",
    "EVENT_TYPE": "query_alert_monitor",
    "EVENT_TITLE": "[Triggered] CPU high on web-1",
    "DATE": "1406662672000",
    "ORG_ID": "11023",
    "ORG_NAME": "Example",
    "ID": "1234567",
}
RICH = {
    "AGGREG_KEY": "9bd4ac313a4d1e8fae2482df7b77628",
    "ALERT_ID": "1234",
    "ALERT_TRANSITION": "Triggered",
    "ALERT_PRIORITY": "P2",
    "ALERT_TYPE": "error",
    "ALERT_TITLE": "[Triggered on {host:web-1}] CPU high",
    "ALERT_STATUS": "system.load.1 over host:web-1 was > 0.9 on average during the last 5m",
    "ALERT_SCOPE": "host:web-1",
    "ALERT_CYCLE_KEY": "7716548234011400000",
    "HOSTNAME": "web-1",
    "TAGS": "env:prod, service:checkout, monitor, role:web, role:edge",
    "LINK": "https://app.datadoghq.com/event/jump_to?event_id=1234567",
    "SNAPSHOT": "https://p.datadoghq.com/snapshot/view/abc.png",
}


def render(template: str, **overrides: str) -> Any:
    """What Datadog posts: the template with its $VARIABLES substituted (unknown ones left)."""
    values = {**VARIABLES, **RICH, **overrides}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        return json.dumps(values[name])[1:-1] if name in values else match.group(0)

    return json.loads(re.sub(r"\$([A-Z_]+)(?!\[)", substitute, template))


def test_the_default_payload_triggers_keyed_by_the_title_without_its_prefix() -> None:
    [alert] = parse(render(DEFAULT))
    assert (alert.dedup_key, alert.action) == ("datadog-CPU high on web-1", AlertAction.TRIGGER)
    assert alert.summary == "CPU high on web-1"
    assert (alert.severity, alert.source_severity, alert.service, alert.source) == (
        None, None, None, None)
    assert (alert.labels, alert.links) == ({}, ())
    assert alert.started_at == datetime(2014, 7, 29, 19, 37, 52, tzinfo=UTC)
    assert alert.details == {
        "body": VARIABLES["EVENT_MSG"], "last_updated": "1406662672000",
        "event_type": "query_alert_monitor", "org": {"id": "11023", "name": "Example"},
        "id": "1234567",
    }


@pytest.mark.parametrize(
    ("title", "action", "urgency"),
    [("[Recovered] CPU high on web-1", AlertAction.RESOLVE, None),
     ("[Re-Triggered] CPU high on web-1", AlertAction.TRIGGER, None),
     ("[Renotify] CPU high on web-1", AlertAction.TRIGGER, None),
     ("[No Data] CPU high on web-1", AlertAction.TRIGGER, None),
     ("[Warn] CPU high on web-1", AlertAction.TRIGGER, Urgency.WARNING),
     ("[P1] [Triggered] CPU high on web-1", AlertAction.TRIGGER, Urgency.CRITICAL),
     ("[P1] [Recovered] CPU high on web-1", AlertAction.RESOLVE, Urgency.CRITICAL),
     ("[P4] [Warn] CPU high on web-1", AlertAction.TRIGGER, Urgency.INFO),
     ("CPU high on web-1", AlertAction.TRIGGER, None)],
)
def test_the_title_prefix_gives_the_action_and_urgency_and_the_same_key(
    title: str, action: AlertAction, urgency: Urgency | None
) -> None:
    [alert] = parse(render(DEFAULT, EVENT_TITLE=title))
    assert (alert.action, alert.severity, alert.dedup_key, alert.summary) == (
        action, urgency, "datadog-CPU high on web-1", "CPU high on web-1")


def test_a_multi_alert_title_keeps_its_scope_in_the_key_and_summary() -> None:
    [fired] = parse(render(DEFAULT, EVENT_TITLE="[Triggered on {host:web-1}] Host is down"))
    [cleared] = parse(render(DEFAULT, EVENT_TITLE="[Recovered on {host:web-1}] Host is down"))
    [other] = parse(render(DEFAULT, EVENT_TITLE="[Triggered on {host:web-2}] Host is down"))
    assert fired.dedup_key == cleared.dedup_key == "datadog-Host is down {host:web-1}"
    assert other.dedup_key != fired.dedup_key
    assert (fired.summary, cleared.action) == ("Host is down (host:web-1)", AlertAction.RESOLVE)


def test_the_title_of_a_test_notification_keeps_its_test_marker() -> None:
    [alert] = parse(render(DEFAULT, EVENT_TITLE="[Triggered] [TEST] Host Cluster Alert"))
    assert alert.summary == "[TEST] Host Cluster Alert"


def test_the_recommended_payload_keys_by_aggregation_key_and_reads_the_monitor() -> None:
    [alert] = parse(render(RECOMMENDED))
    assert (alert.dedup_key, alert.action) == (
        "datadog-9bd4ac313a4d1e8fae2482df7b77628", AlertAction.TRIGGER)
    assert alert.summary == "CPU high on web-1 (host:web-1)"
    assert (alert.severity, alert.source_severity) == (Urgency.ERROR, "P2")
    assert (alert.service, alert.source) == ("checkout", "web-1")
    assert alert.labels == {"host": "web-1", "env": "prod", "service": "checkout",
                            "monitor": "", "role": "web,edge"}
    assert alert.links == (Link(RICH["LINK"], "Datadog"), Link(RICH["SNAPSHOT"], "Snapshot"))
    assert alert.details["alert_status"] == RICH["ALERT_STATUS"]
    assert alert.details["alert_cycle_key"] == RICH["ALERT_CYCLE_KEY"]


def test_the_recommended_payload_resolves_on_recovered_under_the_same_key() -> None:
    [alert] = parse(render(RECOMMENDED, ALERT_TRANSITION="Recovered", ALERT_TYPE="success",
                           EVENT_TITLE="[Recovered] CPU high on web-1"))
    assert (alert.action, alert.dedup_key) == (
        AlertAction.RESOLVE, "datadog-9bd4ac313a4d1e8fae2482df7b77628")


@pytest.mark.parametrize(
    ("priority", "alert_type", "expected", "raw"),
    [("P1", "error", Urgency.CRITICAL, "P1"), ("P3", "error", Urgency.WARNING, "P3"),
     ("P5", "error", Urgency.INFO, "P5"), ("", "warning", Urgency.WARNING, "warning"),
     ("", "info", Urgency.INFO, "info"), ("", "success", Urgency.INFO, "success"),
     ("", "", None, None)],
)
def test_priority_wins_over_alert_type(
    priority: str, alert_type: str, expected: Urgency | None, raw: str | None
) -> None:
    [alert] = parse(render(RECOMMENDED, ALERT_PRIORITY=priority, ALERT_TYPE=alert_type))
    assert (alert.severity, alert.source_severity) == (expected, raw)


def test_without_an_aggregation_key_the_monitor_id_and_scope_make_the_key() -> None:
    [alert] = parse(render(RECOMMENDED, AGGREG_KEY=""))
    assert alert.dedup_key == "datadog-monitor-1234/host:web-1"


def test_variables_left_unsubstituted_count_as_absent() -> None:
    body = render(RECOMMENDED)
    body.update(aggreg_key="$AGGREG_KEY", alert_priority="$ALERT_PRIORITY", tags="$TAGS",
                service="$TAGS[service]")
    [alert] = parse(body)
    assert alert.dedup_key == "datadog-monitor-1234/host:web-1"
    assert (alert.severity, alert.service) == (Urgency.ERROR, None)
    assert "aggreg_key" not in alert.details


def test_the_template_itself_is_refused_for_want_of_a_title() -> None:
    with pytest.raises(PayloadError) as caught:
        parse(json.loads(DEFAULT))
    assert caught.value.field == "title"


def test_a_long_title_gives_a_hashed_key_and_a_clipped_summary() -> None:
    [alert] = parse(render(DEFAULT, EVENT_TITLE="[Triggered] " + "x" * 2000))
    assert alert.dedup_key.startswith("sha256:") and len(alert.summary) == 1024


@pytest.mark.parametrize(
    ("body", "field"),
    [(None, None), ([], None), ({}, "title"), ({"title": ""}, "title"),
     ({"title": {"text": "x"}}, "title"),
     ({"title": "[Triggered] x", "tags": {"env": "prod"}}, "tags"),
     ({"title": "[Triggered] x", "alert_scope": 5}, "alert_scope"),
     ({"title": "[Triggered] x", "date": "yesterday"}, "date"),
     ({"title": "[Triggered] x", "date": "1e400"}, "date")],
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
@given(mutations(render(DEFAULT)) | mutations(render(RECOMMENDED)))
def test_mutated_bodies_never_crash(body: object) -> None:
    parses_or_refuses(parse, body)
