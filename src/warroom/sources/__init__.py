"""Inbound alert formats: one module per sender, each `parse(body) -> list[AlertIn]`."""

from __future__ import annotations

from collections.abc import Callable

from warroom.domain.alerts import AlertIn
from warroom.sources import alertmanager, datadog, generic, grafana, pagerduty, sentry

SOURCES: dict[str, Callable[[object], list[AlertIn]]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "sentry": sentry.parse,
    "datadog": datadog.parse,
    "pagerduty": pagerduty.parse,
    "generic": generic.parse,
}
KINDS = tuple(SOURCES)
