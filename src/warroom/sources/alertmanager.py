"""Prometheus Alertmanager's webhook (`<webhook_config>`, message version "4").

One request carries a group of alerts; each becomes one `AlertIn` (mapping in `_prometheus`).
"""

from __future__ import annotations

from warroom.domain.alerts import AlertIn
from warroom.sources import _prometheus


def parse(body: object) -> list[AlertIn]:
    group, alerts = _prometheus.alerts_of(body)
    return [_prometheus.parse_alert(group, alert, at, tool="Alertmanager") for at, alert in alerts]
