"""Alertmanager webhook bodies → alerts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from tests.sources.helpers import FUZZ, json_values, mutations, parses_or_refuses, sample

from warroom.domain.alerts import AlertAction, Link, PayloadError, Urgency
from warroom.sources.alertmanager import parse

SAMPLE = sample("alertmanager_webhook.json")


def group(common: dict[str, Any] | None = None, **alert: Any) -> dict[str, Any]:
    """The sample with its one alert's fields replaced (None deletes), and its commonLabels."""
    body: dict[str, Any] = copy.deepcopy(SAMPLE)
    if common is not None:
        body["commonLabels"] = common
    body["alerts"][0].update(alert)
    body["alerts"][0] = {k: v for k, v in body["alerts"][0].items() if v is not None}
    return body


def test_the_sample_group_becomes_one_firing_alert() -> None:
    [alert] = parse(SAMPLE)
    assert alert.dedup_key == "a1b2c3d4e5f60718"
    assert alert.action is AlertAction.TRIGGER
    assert alert.summary == "Instance is down"
    assert (alert.severity, alert.source_severity) == (Urgency.CRITICAL, "critical")
    assert (alert.service, alert.source) == ("node", "host1.example.com:9100")
    assert alert.labels == {"alertname": "InstanceDown", "instance": "host1.example.com:9100",
                            "job": "node", "severity": "critical"}
    assert alert.links == (
        Link("http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1", "Source"),
        Link("http://alertmanager.example.com:9093", "Alertmanager"),
    )
    assert alert.started_at == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert alert.details == {"summary": "Instance is down", "receiver": "incident-platform",
                             "groupKey": '{}:{alertname="InstanceDown"}'}
    assert alert.raw == SAMPLE["alerts"][0]


def test_a_resolved_alert_resolves_under_the_same_key() -> None:
    [alert] = parse(group(status="resolved", endsAt="2024-01-01T12:05:00Z"))
    assert (alert.action, alert.dedup_key) == (AlertAction.RESOLVE, "a1b2c3d4e5f60718")


def test_each_alert_of_a_group_is_its_own_alert_in_order() -> None:
    body: dict[str, Any] = copy.deepcopy(SAMPLE)
    second = copy.deepcopy(body["alerts"][0])
    second.update(fingerprint="ffff", status="resolved")
    second["labels"]["instance"] = "host2.example.com:9100"
    body["alerts"].append(second)
    alerts = parse(body)
    assert [(a.dedup_key, a.action, a.source) for a in alerts] == [
        ("a1b2c3d4e5f60718", AlertAction.TRIGGER, "host1.example.com:9100"),
        ("ffff", AlertAction.RESOLVE, "host2.example.com:9100"),
    ]


def test_an_empty_group_is_nothing_to_do() -> None:
    assert parse({**SAMPLE, "alerts": []}) == []


def test_without_a_fingerprint_the_key_is_a_stable_hash_of_the_labels() -> None:
    [first] = parse(group(fingerprint=None))
    reordered = dict(reversed(list(SAMPLE["alerts"][0]["labels"].items())))
    [again] = parse(group(fingerprint=None, labels=reordered))
    [other] = parse(group(fingerprint="", labels={**reordered, "instance": "host2"}))
    assert first.dedup_key == again.dedup_key != other.dedup_key
    assert len(first.dedup_key) == 32


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("critical", Urgency.CRITICAL), ("page", Urgency.CRITICAL), ("P1", Urgency.CRITICAL),
     ("error", Urgency.ERROR), ("high", Urgency.ERROR), ("major", Urgency.ERROR),
     ("warning", Urgency.WARNING), ("warn", Urgency.WARNING), ("Medium", Urgency.WARNING),
     ("info", Urgency.INFO), ("low", Urgency.INFO), ("none", Urgency.INFO),
     ("sev-unknown", None)],
)
def test_the_severity_label_maps_to_the_common_scale_and_is_kept_raw(
    raw: str, expected: Urgency | None
) -> None:
    [alert] = parse(group(labels={"alertname": "X", "severity": raw}))
    assert (alert.severity, alert.source_severity) == (expected, raw)


def test_no_severity_label_means_no_severity() -> None:
    [alert] = parse(group(labels={"alertname": "X"}, common={}))
    assert (alert.severity, alert.source_severity, alert.service, alert.source) == (
        None, None, None, None)


def test_the_service_label_wins_over_job() -> None:
    [alert] = parse(group(labels={"alertname": "X", "job": "node", "service": "payments"}))
    assert alert.service == "payments"


def test_the_summary_falls_back_to_description_then_alertname() -> None:
    [described] = parse(group(annotations={"description": "CPU at 99%", "summary": " "}))
    [named] = parse(group(annotations=None))
    assert (described.summary, named.summary) == ("CPU at 99%", "InstanceDown")


def test_a_long_summary_is_clipped() -> None:
    [alert] = parse(group(annotations={"summary": "x" * 5000}))
    assert len(alert.summary) == 1024 and alert.summary.endswith("…")


def test_alert_labels_override_common_labels_and_values_become_strings() -> None:
    body = group(labels={"alertname": "X", "team": "db", "replicas": 3, "paged": True,
                         "gone": None})
    body["commonLabels"] = {"team": "core", "region": "eu"}
    [alert] = parse(body)
    assert alert.labels == {"alertname": "X", "team": "db", "region": "eu", "replicas": "3",
                            "paged": "true"}


def test_a_runbook_annotation_becomes_a_link_and_other_schemes_are_dropped() -> None:
    [alert] = parse(group(annotations={"summary": "x", "runbook_url": "https://runbooks/db"},
                          generatorURL="javascript:alert(1)"))
    assert alert.links == (Link("https://runbooks/db", "Runbook"),
                           Link("http://alertmanager.example.com:9093", "Alertmanager"))


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [("0001-01-01T00:00:00Z", None), (None, None), ("", None),
     ("2024-01-01T14:00:00+02:00", datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
     ("2024-01-01T12:00:00", datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
     ("2024-01-01T12:00:00.123456789Z", datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC))],
)
def test_starts_at_is_rfc3339_with_go_zero_time_meaning_none(
    starts_at: str | None, expected: datetime | None
) -> None:
    [alert] = parse(group(startsAt=starts_at))
    assert alert.started_at == expected


def test_an_alert_without_status_takes_the_groups() -> None:
    body = group(status=None)
    body["status"] = "resolved"
    assert parse(body)[0].action is AlertAction.RESOLVE


@pytest.mark.parametrize(
    ("body", "field"),
    [(None, None), ([], None), ("alerts", None), ({}, "alerts"), ({"alerts": {}}, "alerts"),
     ({"alerts": [1]}, "alerts[0]"),
     (group(status="pending"), "alerts[0].status"),
     (group(labels=["alertname"]), "alerts[0].labels"),
     (group(labels={"alertname": {"nested": 1}}), "alerts[0].labels.alertname"),
     (group(annotations=["x"]), "alerts[0].annotations"),
     (group(startsAt="yesterday"), "alerts[0].startsAt"),
     (group(startsAt=1704110400), "alerts[0].startsAt"),
     (group(fingerprint="f" * 256), "alerts[0].fingerprint"),
     (group(fingerprint=["f"]), "alerts[0].fingerprint"),
     (group(labels={"job": "node"}, annotations={}, common={}), "alerts[0].labels.alertname"),
     ({**SAMPLE, "commonLabels": "x"}, "commonLabels")],
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
