"""The Alertmanager webhook shape, shared by `alertmanager` and `grafana` (unified alerting).

A group (`alerts`, `commonLabels`, `externalURL`, `groupKey`, `receiver`, …) holds alerts with
`status`, `labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL` and `fingerprint`
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config and
notify/webhook/webhook.go). Each alert becomes one `AlertIn`:

- dedup_key: `fingerprint`, or when missing a hash of the alert's sorted labels;
- action: `firing` → trigger, `resolved` → resolve (an alert without a status takes the group's);
- summary: annotations `summary`, else `description`, else the `alertname` label;
- severity: the `severity` label on the common scale (see `_common.URGENCIES`), kept raw too;
- service: the `service` label, else `job` (Prometheus sets `job` on every scraped series, so
  it names what is monitored when nobody added `service`); source: the `instance` label;
- labels: the alert's labels over `commonLabels`; links: `generatorURL`, `externalURL` and the
  `runbook_url` annotation; started_at: `startsAt` (Go's zero time "0001-01-01T00:00:00Z"
  means none); details: the annotations plus `groupKey` and `receiver`; raw: the alert's dict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.domain.alerts import AlertAction, AlertIn, PayloadError
from warroom.sources import _common as c

ACTIONS = {"firing": AlertAction.TRIGGER, "resolved": AlertAction.RESOLVE}
GO_ZERO_YEAR = 1  # Go's time.Time{} marshals as 0001-01-01T00:00:00Z: "not set"


def alerts_of(body: object) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """The group, and its alerts each with the field path that names it in errors."""
    group = c.expect_dict(body, "")
    items = c.expect_list(group.get("alerts"), "alerts")
    alerts = [(f"alerts[{i}]", c.expect_dict(item, f"alerts[{i}]")) for i, item in enumerate(items)]
    return group, alerts


def parse_alert(group: dict[str, Any], alert: dict[str, Any], at: str, *, tool: str) -> AlertIn:
    """One alert of `group`; `at` is its field path (`alerts[3]`), `tool` names externalURL."""
    own_labels = c.labels_from(alert.get("labels"), f"{at}.labels")
    labels = {**c.labels_from(group.get("commonLabels"), "commonLabels"), **own_labels}
    annotations = c.optional_dict(alert, "annotations", f"{at}.annotations")
    severity = labels.get("severity")
    return AlertIn(
        dedup_key=_dedup_key(alert, own_labels, at),
        action=_action(group, alert, at),
        summary=_summary(annotations, labels, at),
        severity=c.urgency(severity),
        source_severity=severity,
        service=labels.get("service") or labels.get("job"),
        source=labels.get("instance"),
        labels=labels,
        links=c.links(
            c.link(alert.get("generatorURL"), "Source"),
            c.link(annotations.get("runbook_url"), "Runbook"),
            c.link(group.get("externalURL"), tool),
        ),
        details=_details(group, annotations),
        started_at=_started_at(alert.get("startsAt"), f"{at}.startsAt"),
        raw=alert,
    )


def _dedup_key(alert: dict[str, Any], labels: dict[str, str], at: str) -> str:
    if alert.get("fingerprint") in (None, ""):
        return c.stable_hash(sorted(labels.items()))
    return c.provided_key(alert["fingerprint"], f"{at}.fingerprint")


def _action(group: dict[str, Any], alert: dict[str, Any], at: str) -> AlertAction:
    status = alert.get("status", group.get("status"))
    if not isinstance(status, str) or status not in ACTIONS:
        raise PayloadError(f'{at}.status must be "firing" or "resolved".', field=f"{at}.status")
    return ACTIONS[status]


def _summary(annotations: dict[str, Any], labels: dict[str, str], at: str) -> str:
    found = c.first_text(
        annotations.get("summary"), annotations.get("description"), labels.get("alertname")
    )
    if found:
        return c.summary(found)
    raise PayloadError(
        f"{at}.labels.alertname is missing, and there is no summary or "
        "description annotation to describe the alert.",
        field=f"{at}.labels.alertname",
    )


def _details(group: dict[str, Any], annotations: dict[str, Any]) -> dict[str, Any]:
    return {**annotations, **c.present({key: group.get(key) for key in ("groupKey", "receiver")})}


def _started_at(value: object, field: str) -> datetime | None:
    started = c.parse_time(value, field)
    return None if started is None or started.year == GO_ZERO_YEAR else started
