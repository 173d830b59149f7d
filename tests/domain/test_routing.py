import pytest
from pydantic import ValidationError

from warroom.config import ConfigError, parse_config
from warroom.domain.alerts import AlertAction, AlertIn
from warroom.domain.routing import AutoResolve, DefaultRoute, Route, decide

LEVELS = ["P0", "P1", "P2", "P3"]


def alert(**fields: object) -> AlertIn:
    values: dict[str, object] = {
        "dedup_key": "k1",
        "action": AlertAction.TRIGGER,
        "summary": "Instance down",
    } | fields
    return AlertIn(**values)  # type: ignore[arg-type]


def route(
    one: AlertIn, *routes: Route, default: DefaultRoute | None = None, service: str | None = None
):  # type: ignore[no-untyped-def]
    return decide(
        one,
        routes=routes,
        default=default or DefaultRoute(),
        kind="alertmanager",
        integration="prom",
        integration_service=service,
        levels=LEVELS,
    )


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("critical", "P1"),
        ("error", "P2"),
        ("warning", "P3"),
        ("info", "P3"),
        (None, "P2"),
        ("P0", "P0"),
    ],
)
def test_tool_severities_land_on_sensible_levels(severity: str | None, level: str) -> None:
    assert route(alert(severity=severity)).level == level


def test_the_first_matching_route_sets_service_and_level() -> None:
    rules = (
        Route(match={"team": "payments"}, service="checkout", severity="P0"),
        Route(exists=("team",), service="other"),
    )
    decision = route(alert(labels={"team": "payments"}), *rules)
    assert (decision.service, decision.level) == ("checkout", "P0")
    assert route(alert(labels={"team": "blue"}), *rules).service == "other"


def test_routes_match_by_regex_and_can_drop() -> None:
    noisy = Route(match_re={"alertname": "^Watchdog$"}, drop=True)
    assert route(alert(labels={"alertname": "Watchdog"}), noisy).drop
    assert not route(alert(labels={"alertname": "WatchdogDown"}), noisy).drop
    assert not route(alert(labels={}), noisy).drop


def test_a_threshold_raises_the_level_when_crossed() -> None:
    errors = Route(
        match={"alertname": "HighErrorRate"},
        raise_when=({"field": "error_rate", "above": 5, "severity": "P1"},),
    )  # type: ignore[arg-type]
    calm = alert(severity="warning", labels={"alertname": "HighErrorRate", "error_rate": "3.2%"})
    storm = alert(severity="warning", labels={"alertname": "HighErrorRate", "error_rate": "7%"})
    assert route(calm, errors).level == "P3"
    assert route(storm, errors).level == "P1"


def test_alerts_group_by_service_and_alertname() -> None:
    one = route(alert(dedup_key="a", labels={"alertname": "Down", "instance": "h1"}), service="api")
    two = route(alert(dedup_key="b", labels={"alertname": "Down", "instance": "h2"}), service="api")
    other = route(alert(dedup_key="c", labels={"alertname": "Down"}), service="web")
    assert one.group_key == two.group_key == "api|alertname=Down"
    assert other.group_key != one.group_key


def test_an_alert_without_group_labels_is_grouped_alone() -> None:
    assert route(alert(dedup_key="sentry-1")).group_key == "-|dedup=sentry-1"


def test_the_default_route_auto_resolves_fully_and_a_route_can_turn_it_off() -> None:
    assert route(alert()).auto_resolve == AutoResolve.FULL
    manual = Route(match={"kind": "alertmanager"}, auto_resolve=AutoResolve.OFF)
    assert route(alert(), manual).auto_resolve == AutoResolve.OFF


def test_routes_naming_unknown_levels_or_bad_regexes_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"routes": [{"match": {"a": "b"}, "severity": "P9"}]})
    assert "routes[0]: severity 'P9'" in caught.value.problems[0]
    with pytest.raises(ValidationError, match="is not a regex"):
        Route(match_re={"alertname": "("})
