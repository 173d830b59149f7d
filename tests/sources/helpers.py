"""Shared by the parser tests: the published sample bodies, and the never-crash property."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from tests.support import PAYLOADS

from warroom.domain.alerts import (
    MAX_DEDUP_KEY,
    MAX_SUMMARY,
    AlertAction,
    AlertIn,
    Link,
    PayloadError,
)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WEB = ("http://", "https://")

Parse = Callable[[object], list[AlertIn]]


def sample(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from([
        "", " ", "\x00", "firing", "resolved", "trigger", "acknowledge", "resolve", "triggered",
        "critical", "warning", "resolved", "created", "assigned", "alerting", "ok", "no_data",
        "P1", "p7", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-12:00", "2024-02-30T00:00:00Z", "1406662672000", "1e400", "-1",
        "[P1] [Recovered on {host:a}] x", "$EVENT_TITLE", "https://example.com/", "javascript:x",
        "x" * 300,
    ])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def _slots(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in a JSON value, depth first."""
    keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(
        node, list) else []
    for key in keys:
        found.append((node, key))
        _slots(node[key], found)
    return found


@st.composite
def mutations(draw: st.DrawFn, original: Any) -> Any:
    """The sample with a few values replaced by random JSON, deleted, or emptied."""
    body = copy.deepcopy(original)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        slots = _slots(body, [])
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        operation = draw(st.sampled_from(["replace", "delete", "empty"]))
        if operation == "delete" and isinstance(container, dict):
            del container[key]
        elif operation == "empty":
            container[key] = type(container[key])() if isinstance(
                container[key], dict | list | str) else None
        else:
            container[key] = draw(json_values)
    return body


def parses_or_refuses(parse: Parse, body: object) -> None:
    """parse returns well-formed alerts or raises PayloadError naming the field; nothing else."""
    try:
        alerts = parse(body)
    except PayloadError as exc:
        assert exc.message and exc.message.endswith(".")
        assert exc.field is None or exc.field in exc.message
        return
    assert isinstance(alerts, list)
    for alert in alerts:
        assert isinstance(alert, AlertIn) and isinstance(alert.action, AlertAction)
        assert isinstance(alert.dedup_key, str) and len(alert.dedup_key) <= MAX_DEDUP_KEY
        assert isinstance(alert.summary, str) and len(alert.summary) <= MAX_SUMMARY
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in alert.labels.items())
        assert all(isinstance(link, Link) and link.href.lower().startswith(WEB)
                   for link in alert.links)
        assert alert.started_at is None or alert.started_at.utcoffset() is not None
        assert isinstance(alert.details, dict) and isinstance(alert.raw, dict)
