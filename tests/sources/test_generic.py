"""warroom's own alert format (one object, or a batch) → alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.sources.helpers import FUZZ, json_values, mutations, parses_or_refuses

from warroom.domain.alerts import AlertAction, Link, PayloadError, Urgency
from warroom.sources.generic import parse

FULL = {
    "summary": "Disk full on db-1",
    "dedup_key": "db-1/disk",
    "status": "firing",
    "severity": "critical",
    "service": "payments",
    "source": "db-1",
    "labels": {"team": "core", "replicas": 3},
    "links": [{"href": "https://grafana.example.com/d/disk", "text": "Graph"},
              "https://runbooks.example.com/disk"],
    "details": {"free": "0%", "mounts": ["/var"]},
    "started_at": "2026-11-02T09:00:00+01:00",
}


def test_a_full_alert_maps_field_by_field() -> None:
    [alert] = parse(FULL)
    assert (alert.dedup_key, alert.action, alert.summary) == (
        "db-1/disk", AlertAction.TRIGGER, "Disk full on db-1")
    assert (alert.severity, alert.source_severity) == (Urgency.CRITICAL, "critical")
    assert (alert.service, alert.source) == ("payments", "db-1")
    assert alert.labels == {"team": "core", "replicas": "3"}
    assert alert.links == (Link("https://grafana.example.com/d/disk", "Graph"),
                           Link("https://runbooks.example.com/disk", ""))
    assert alert.details == {"free": "0%", "mounts": ["/var"]}
    assert alert.started_at == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert alert.raw == FULL


def test_only_the_summary_is_required() -> None:
    [alert] = parse({"summary": "  Checkout slow  "})
    assert (alert.summary, alert.action, alert.severity, alert.service) == (
        "Checkout slow", AlertAction.TRIGGER, None, None)
    assert (alert.labels, alert.links, alert.details, alert.started_at) == ({}, (), {}, None)


def test_resolved_resolves() -> None:
    assert parse({**FULL, "status": "resolved"})[0].action is AlertAction.RESOLVE


@pytest.mark.parametrize(("given_", "expected"),
                         [("P1", "P1"), ("Critical", "critical"), ("WARNING", "warning"),
                          ("sev-2", "sev-2"), (" ", None), (None, None)])
def test_severity_passes_through_with_common_names_lower_cased(
    given_: str | None, expected: str | None
) -> None:
    assert parse({"summary": "x", "severity": given_})[0].severity == expected


def test_a_naive_start_time_is_utc() -> None:
    [alert] = parse({"summary": "x", "started_at": "2026-11-02T09:00:00"})
    assert alert.started_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_without_a_dedup_key_the_same_alert_gets_the_same_key() -> None:
    base = {"summary": "Disk full", "service": "db", "labels": {"a": "1", "b": "2"}}
    [first] = parse(base)
    [again] = parse({**base, "labels": {"b": "2", "a": "1"}, "severity": "info"})
    [other_service] = parse({**base, "service": "web"})
    [other_labels] = parse({**base, "labels": {"a": "1"}})
    assert first.dedup_key == again.dedup_key
    assert len({first.dedup_key, other_service.dedup_key, other_labels.dedup_key}) == 3


def test_a_batch_is_a_list_of_alerts_in_order() -> None:
    alerts = parse([{"summary": "one"}, {**FULL, "status": "resolved"}])
    assert [(a.summary, a.action) for a in alerts] == [
        ("one", AlertAction.TRIGGER), ("Disk full on db-1", AlertAction.RESOLVE)]


def test_a_batch_holds_up_to_1000_alerts() -> None:
    assert len(parse([{"summary": f"a{i}"} for i in range(1000)])) == 1000
    assert parse([]) == []
    with pytest.raises(PayloadError, match="at most 1000"):
        parse([{"summary": "x"}] * 1001)


def test_an_error_in_a_batch_names_the_index() -> None:
    batch: list[Any] = [{"summary": "ok"}] * 3 + [{"severity": "info"}]
    with pytest.raises(PayloadError) as caught:
        parse(batch)
    assert (caught.value.field, caught.value.message) == ("[3].summary", "[3].summary is required.")
    with pytest.raises(PayloadError) as nested:
        parse([{"summary": "ok"}, {"summary": "x", "links": ["https://a", {"href": "ftp://b"}]}])
    assert nested.value.field == "[1].links[1].href"


@pytest.mark.parametrize(
    ("body", "field"),
    [(None, None), ("Disk full", None), (42, None), ([1], "[0]"), ({}, "summary"),
     ({"summary": ""}, "summary"), ({"summary": "   "}, "summary"), ({"summary": 5}, "summary"),
     ({"summary": "x", "sumary": "y"}, "sumary"),
     ({"summary": "x", "status": "open"}, "status"),
     ({"summary": "x", "status": None}, "status"),
     ({"summary": "x", "dedup_key": 7}, "dedup_key"),
     ({"summary": "x", "dedup_key": "k" * 256}, "dedup_key"),
     ({"summary": "x", "severity": 1}, "severity"),
     ({"summary": "x", "labels": ["team"]}, "labels"),
     ({"summary": "x", "labels": {"team": ["a"]}}, "labels.team"),
     ({"summary": "x", "links": "https://a"}, "links"),
     ({"summary": "x", "links": ["ftp://a"]}, "links[0]"),
     ({"summary": "x", "links": [{"href": "javascript:alert(1)"}]}, "links[0].href"),
     ({"summary": "x", "links": [{"text": "no href"}]}, "links[0].href"),
     ({"summary": "x", "links": [{"href": "https://a", "text": 3}]}, "links[0].text"),
     ({"summary": "x", "links": [{"href": "https://a", "title": "t"}]}, "links[0].title"),
     ({"summary": "x", "links": [7]}, "links[0]"),
     ({"summary": "x", "details": ["a"]}, "details"),
     ({"summary": "x", "started_at": "tomorrow"}, "started_at"),
     ({"summary": "x", "started_at": 1762070400}, "started_at")],
)
def test_bad_alerts_are_refused_naming_the_field(body: object, field: str | None) -> None:
    with pytest.raises(PayloadError) as caught:
        parse(body)
    assert caught.value.field == field
    assert field is None or caught.value.message.startswith(field)


@FUZZ
@given(json_values)
def test_random_json_never_crashes(body: object) -> None:
    parses_or_refuses(parse, body)


@FUZZ
@given(mutations(FULL) | mutations([FULL, {"summary": "x"}]))
def test_mutated_alerts_never_crash(body: object) -> None:
    parses_or_refuses(parse, body)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(FULL)), json_values, max_size=6))
def test_random_values_in_known_fields_never_crash(body: dict[str, Any]) -> None:
    parses_or_refuses(parse, body)
