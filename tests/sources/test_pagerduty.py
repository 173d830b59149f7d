"""PagerDuty Events API v2 bodies → alerts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from tests.sources.helpers import FUZZ, json_values, mutations, parses_or_refuses, sample

from warroom.domain.alerts import AlertAction, Link, PayloadError
from warroom.sources.pagerduty import parse

TRIGGER = sample("pagerduty_events_v2_trigger.json")
OPENAPI = sample("pagerduty_events_v2_trigger_openapi.json")
ACKNOWLEDGE = sample("pagerduty_events_v2_acknowledge.json")
RESOLVE = sample("pagerduty_events_v2_resolve.json")


def trigger(**payload: Any) -> dict[str, Any]:
    """The documented trigger with payload fields replaced (None deletes)."""
    body: dict[str, Any] = copy.deepcopy(TRIGGER)
    body["payload"].update(payload)
    body["payload"] = {k: v for k, v in body["payload"].items() if v is not None}
    return body


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def test_the_documented_trigger_becomes_one_alert() -> None:
    [alert] = parse(TRIGGER)
    assert (alert.dedup_key, alert.action) == ("samplekeyhere", AlertAction.TRIGGER)
    assert alert.summary == "Example alert on host1.example.com"
    assert (alert.severity, alert.source_severity, alert.service) == ("info", "info", None)
    assert alert.source == ("monitoringtool:cloudvendor:central-region-dc-01:852559987:"
                            "cluster/api-stats-prod-003")
    assert alert.labels == {"component": "postgres", "group": "prod-datapipe", "class": "deploy"}
    assert alert.links == (
        Link("https://example.com/", "Link text"),
        Link("https://monitoring.example.com", "Sample Monitoring Service"),
    )
    assert alert.details == {"ping time": "1500ms", "load avg": 0.75,
                             "client": "Sample Monitoring Service",
                             "client_url": "https://monitoring.example.com"}
    assert alert.started_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert "routing_key" not in alert.raw and alert.raw["payload"] == TRIGGER["payload"]


def test_the_openapi_example_takes_images_as_links() -> None:
    [alert] = parse(OPENAPI)
    assert (alert.dedup_key, alert.severity, alert.source) == (
        "srv01/mysql", "critical", "prod-datapipe03.example.com")
    assert alert.links == (
        Link("http://pagerduty.example.com", "An example link."),
        Link("https://google.com", "An example link with an image"),
        Link("https://monitoring.service.com", "Sample Monitoring Service"),
    )
    assert alert.details["free space"] == "1%"


def test_an_image_without_href_links_to_its_source() -> None:
    body = {**TRIGGER, "links": [], "images": [{"src": "https://charts.example.com/1.png"}]}
    assert parse(body)[0].links[0] == Link("https://charts.example.com/1.png", "")


@pytest.mark.parametrize(("body", "action"), [(ACKNOWLEDGE, AlertAction.ACKNOWLEDGE),
                                              (RESOLVE, AlertAction.RESOLVE)])
def test_acknowledge_and_resolve_need_only_the_dedup_key(
    body: dict[str, Any], action: AlertAction
) -> None:
    [alert] = parse(body)
    assert (alert.dedup_key, alert.action, alert.summary) == ("dedupkeyhere", action, "")
    assert (alert.severity, alert.labels, alert.links, alert.raw) == (
        None, {}, (), {"dedup_key": "dedupkeyhere", "event_action": action.value})


@pytest.mark.parametrize("key", [None, ""])
def test_a_trigger_without_a_dedup_key_asks_the_caller_for_a_new_one(key: str | None) -> None:
    body = without(TRIGGER, "dedup_key") if key is None else {**TRIGGER, "dedup_key": key}
    assert parse(body)[0].dedup_key == ""


def test_a_dedup_key_of_exactly_255_characters_is_accepted() -> None:
    assert parse({**RESOLVE, "dedup_key": "k" * 255})[0].dedup_key == "k" * 255


def test_the_summary_is_clipped_to_1024_characters() -> None:
    [alert] = parse(trigger(summary="s" * 1500))
    assert len(alert.summary) == 1024 and alert.summary.endswith("…")


def test_optional_payload_fields_may_be_absent() -> None:
    [alert] = parse(trigger(timestamp=None, component=None, group=None, custom_details=None,
                            **{"class": None}))
    assert (alert.started_at, alert.labels) == (None, {})
    assert alert.details == {"client": "Sample Monitoring Service",
                             "client_url": "https://monitoring.example.com"}


def test_non_object_custom_details_are_kept_whole() -> None:
    assert parse(trigger(custom_details="disk 99%"))[0].details["custom_details"] == "disk 99%"


@pytest.mark.parametrize(
    ("body", "field"),
    [(None, None), ([TRIGGER], None), ({}, "event_action"),
     ({**TRIGGER, "event_action": "snooze"}, "event_action"),
     ({**TRIGGER, "event_action": ["trigger"]}, "event_action"),
     (without(ACKNOWLEDGE, "dedup_key"), "dedup_key"),
     ({**RESOLVE, "dedup_key": ""}, "dedup_key"),
     ({**RESOLVE, "dedup_key": "k" * 256}, "dedup_key"),
     ({**TRIGGER, "dedup_key": "k" * 256}, "dedup_key"),
     ({**TRIGGER, "dedup_key": {"k": 1}}, "dedup_key"),
     (without(TRIGGER, "payload"), "payload"),
     ({**TRIGGER, "payload": "down"}, "payload"),
     (trigger(summary=None), "payload.summary"),
     (trigger(summary="  "), "payload.summary"),
     (trigger(source=None), "payload.source"),
     (trigger(severity=None), "payload.severity"),
     (trigger(severity="high"), "payload.severity"),
     (trigger(severity="Critical"), "payload.severity"),
     (trigger(timestamp="17/07/2015"), "payload.timestamp"),
     (trigger(component=5), "payload.component"),
     ({**TRIGGER, "links": [{"text": "no href"}]}, "links[0].href"),
     ({**TRIGGER, "links": "https://example.com"}, "links"),
     ({**TRIGGER, "images": [{"alt": "no src"}]}, "images[0].src"),
     ({**TRIGGER, "images": ["https://example.com/1.png"]}, "images[0]")],
)
def test_bad_events_are_refused_naming_the_field(body: object, field: str | None) -> None:
    with pytest.raises(PayloadError) as caught:
        parse(body)
    assert caught.value.field == field


@FUZZ
@given(json_values)
def test_random_json_never_crashes(body: object) -> None:
    parses_or_refuses(parse, body)


@FUZZ
@given(mutations(TRIGGER) | mutations(OPENAPI) | mutations(ACKNOWLEDGE))
def test_mutated_samples_never_crash(body: object) -> None:
    parses_or_refuses(parse, body)
