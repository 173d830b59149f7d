"""Grafana's webhook contact point, in both shapes Grafana has sent.

Unified alerting (Grafana 8+; docs: alerting/configure-notifications/manage-contact-points/
integrations/webhook-notifier): the Alertmanager group shape plus `orgId`, `title`, `state`,
`message`, and per alert `values`, `valueString`, `dashboardURL`, `panelURL`, `silenceURL`.
Mapped as Alertmanager (`_prometheus`), adding `values`/`valueString`/`silenceURL` to details
and the dashboard and panel links when set.

Legacy alerting (Grafana 4 to 10, docs: alerting/old-alerting/notifications.md, "Webhook"):
`{title, ruleId, ruleName, ruleUrl, state, evalMatches, imageUrl, message, orgId, dashboardId,
panelId, tags}` with state `ok | paused | alerting | pending | no_data`. One alert per rule:
dedup_key `grafana-rule-<ruleId>`; `alerting` and `no_data` trigger, `ok` resolves, and
`paused` / `pending` (Grafana sends no notification for them) yield nothing to do. Summary is
`ruleName`; the rule's tags are the labels (`severity`, `service` read as for Alertmanager).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from warroom.domain.alerts import AlertAction, AlertIn, PayloadError
from warroom.sources import _common as c
from warroom.sources import _prometheus

LEGACY_ACTIONS = {
    "alerting": AlertAction.TRIGGER,
    "no_data": AlertAction.TRIGGER,
    "ok": AlertAction.RESOLVE,
    "paused": None,
    "pending": None,
}
LEGACY_KEYS = ("ruleId", "ruleName", "evalMatches")
ALERT_EXTRAS = ("values", "valueString", "silenceURL")
LEGACY_DETAILS = ("message", "evalMatches", "title", "orgId", "dashboardId", "panelId")


def parse(body: object) -> list[AlertIn]:
    group = c.expect_dict(body, "")
    if "alerts" not in group and any(key in group for key in LEGACY_KEYS):
        return _parse_legacy(group)
    group, alerts = _prometheus.alerts_of(group)
    return [_parse_unified(group, alert, at) for at, alert in alerts]


def _parse_unified(group: dict[str, Any], alert: dict[str, Any], at: str) -> AlertIn:
    base = _prometheus.parse_alert(group, alert, at, tool="Grafana")
    details = {
        **base.details,
        **c.present({key: alert.get(key) for key in ALERT_EXTRAS}),
        **c.present({"orgId": group.get("orgId")}),
    }
    links = c.links(
        *base.links,
        c.link(alert.get("dashboardURL"), "Dashboard"),
        c.link(alert.get("panelURL"), "Panel"),
    )
    return dataclasses.replace(base, details=details, links=links)


def _parse_legacy(body: dict[str, Any]) -> list[AlertIn]:
    state = body.get("state")
    if not isinstance(state, str) or state not in LEGACY_ACTIONS:
        raise PayloadError(
            "state must be one of alerting, no_data, ok, paused or pending.", field="state"
        )
    action = LEGACY_ACTIONS[state]
    if action is None:
        return []
    rule_id = c.provided_key(body.get("ruleId"), "ruleId")
    labels = c.labels_from(body.get("tags"), "tags")
    severity = labels.get("severity")
    return [
        AlertIn(
            dedup_key=c.derived_key(f"grafana-rule-{rule_id}"),
            action=action,
            summary=_legacy_summary(body),
            severity=c.urgency(severity),
            source_severity=severity,
            service=labels.get("service"),
            labels=labels,
            links=c.links(
                c.link(body.get("ruleUrl"), "Rule"), c.link(body.get("imageUrl"), "Graph")
            ),
            details=c.present({key: body.get(key) for key in LEGACY_DETAILS}),
            raw=body,
        )
    ]


def _legacy_summary(body: dict[str, Any]) -> str:
    title = c.text(body.get("title"))
    found = c.first_text(
        body.get("ruleName"), title and title.split("] ", 1)[-1], body.get("message")
    )
    if not found:
        raise PayloadError("ruleName must be a non-empty string.", field="ruleName")
    return c.summary(found)
