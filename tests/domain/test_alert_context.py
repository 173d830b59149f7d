"""What the room shows of an alert, and the room's rules: links (http(s) only), the
description, the labels that tell alerts apart, which severity changes need a reason,
which resolutions a confirmation, and the timeline's filters."""

from __future__ import annotations

from warroom.domain import alert_context, room_rules


def test_only_web_links_are_kept_with_the_urls_among_the_details() -> None:
    links = [
        {"href": "javascript:alert(1)", "text": "Bad"},
        {"href": "https://grafana.example/d/1", "text": "Panel"},
        {"href": "https://grafana.example/d/1", "text": "Again"},
        "not a link",
    ]
    details = {"silenceURL": "https://am.example/#/silences/new", "runbook_url": "ftp://x"}
    found = alert_context.safe_links(links, details)
    assert [(link.href, link.text) for link in found] == [
        ("https://grafana.example/d/1", "Panel"),
        ("https://am.example/#/silences/new", "Silence"),
    ]


def test_the_description_and_the_other_annotations() -> None:
    details = {
        "summary": "Instance is down",
        "description": " host1 is gone ",
        "receiver": "ops",
        "values": {"A": 1},
        "silenceURL": "https://am.example/x",
    }
    assert alert_context.description_of(details) == "host1 is gone"
    assert alert_context.description_of({"message": "Grafana says"}) == "Grafana says"
    assert alert_context.annotations_of(details) == [("receiver", "ops")]


def test_distinguishing_labels_come_first_each_once() -> None:
    labels = {"severity": "critical", "instance": "host1:9100", "alertname": "Down", "a": "1"}
    assert alert_context.ordered_labels(labels)[:2] == [
        ("instance", "host1:9100"),
        ("alertname", "Down"),
    ]
    assert alert_context.distinguishing([labels, {"instance": "host1:9100"}]) == [
        ("instance", "host1:9100"),
        ("alertname", "Down"),
    ]


def test_reasons_and_confirmations_for_the_top_two_levels() -> None:
    assert room_rules.reason_needed(new_rank=1, old_rank=2)
    assert room_rules.reason_needed(new_rank=0, old_rank=1)
    assert not room_rules.reason_needed(new_rank=2, old_rank=3)  # not among the top two
    assert not room_rules.reason_needed(new_rank=1, old_rank=0)  # lowering
    assert room_rules.confirm_needed(0) and room_rules.confirm_needed(1)
    assert not room_rules.confirm_needed(2)


def test_timeline_filters() -> None:
    assert room_rules.filters_of("update", "public") == ["all", "people", "public"]
    assert room_rules.filters_of("alert", "internal") == ["all", "alerts"]
    assert room_rules.filters_of("paged", "internal") == ["all", "paging"]
    assert room_rules.parse_filter("nonsense") == "all"
