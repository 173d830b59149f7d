"""Sentry integration-platform webhooks (docs.sentry.io/organization/integrations/
integration-platform/webhooks/). One URL takes the three kinds; `data` tells them apart:

- issue alert (`Sentry-Hook-Resource: event_alert`): action `triggered`, `data.event` (issue_id,
  title, level, tags as [key, value] pairs, web_url, issue_url, culprit, datetime) and
  `data.triggered_rule` → trigger `sentry-issue-<issue_id>`;
- metric alert (`metric_alert`): action `critical | warning | resolved`, `data.metric_alert` (the
  Sentry incident: id, alert_rule, date_started, …), `data.description_title`,
  `data.description_text`, `data.web_url` → `sentry-metric-<incident id>`, critical and warning
  trigger at that urgency, resolved resolves;
- issue (`issue`): action `created | unresolved | resolved | archived | assigned` (`ignored` in
  older payloads), `data.issue` (id, title, level, status, web_url, permalink, firstSeen, …) →
  the same `sentry-issue-<id>` as the issue alert, so resolving the issue in Sentry resolves
  the alert. created/unresolved trigger; resolved and archived/ignored resolve (an archived
  issue will never send a resolve); assigned acknowledges (someone took it in Sentry).

Levels map fatal → critical, error → error, warning → warning, info/debug → info. The summary is
the event's or issue's title (a metric alert's description_title); an event's tags become the
labels and its `server_name` tag, else its culprit, the source.
"""

from __future__ import annotations

from typing import Any

from warroom.domain.alerts import AlertAction, AlertIn, PayloadError, Urgency
from warroom.sources import _common as c

METRIC_ACTIONS = {
    "critical": (AlertAction.TRIGGER, Urgency.CRITICAL),
    "warning": (AlertAction.TRIGGER, Urgency.WARNING),
    "resolved": (AlertAction.RESOLVE, None),
}
ISSUE_ACTIONS = {
    "created": AlertAction.TRIGGER,
    "unresolved": AlertAction.TRIGGER,
    "triggered": AlertAction.TRIGGER,  # activity alerts carry data.issue too
    "resolved": AlertAction.RESOLVE,
    "archived": AlertAction.RESOLVE,
    "ignored": AlertAction.RESOLVE,
    "assigned": AlertAction.ACKNOWLEDGE,
}
EVENT_DETAILS = ("culprit", "event_id", "platform", "project")
RULE_DETAILS = ("query", "aggregate", "time_window")
ISSUE_DETAILS = (
    "culprit",
    "status",
    "substatus",
    "statusDetails",
    "count",
    "userCount",
    "assignedTo",
    "metadata",
)


def parse(body: object) -> list[AlertIn]:
    payload = c.expect_dict(body, "")
    data = c.expect_dict(payload.get("data"), "data")
    action = payload.get("action")
    if not isinstance(action, str):
        raise PayloadError("action must be a string.", field="action")
    if "metric_alert" in data:
        return [_metric_alert(payload, data, action)]
    if "event" in data:
        return [_issue_alert(payload, data, action)]
    if "issue" in data:
        return [_issue(payload, data, action)]
    raise PayloadError("data holds none of event, metric_alert or issue.", field="data")


def _issue_alert(body: dict[str, Any], data: dict[str, Any], action: str) -> AlertIn:
    if action != "triggered":
        raise PayloadError('action must be "triggered" for an issue alert.', field="action")
    event = c.expect_dict(data.get("event"), "data.event")
    issue_id = c.provided_key(event.get("issue_id"), "data.event.issue_id")
    level = c.optional_str(event, "level", "data.event.level")
    labels = _tags(event.get("tags"), "data.event.tags")
    title = c.first_text(event.get("title"), event.get("message"), data.get("triggered_rule"))
    if title is None:
        raise PayloadError("data.event.title must be a non-empty string.", field="data.event.title")
    return AlertIn(
        dedup_key=c.derived_key(f"sentry-issue-{issue_id}"),
        action=AlertAction.TRIGGER,
        summary=c.summary(title),
        severity=c.urgency(level),
        source_severity=level,
        source=labels.get("server_name") or c.text(event.get("culprit")),
        labels=labels,
        links=c.links(
            c.link(event.get("web_url"), "Sentry event"),
            c.link(event.get("issue_url"), "Sentry issue (API)"),
        ),
        details=c.present(
            {
                "triggered_rule": data.get("triggered_rule"),
                **{key: event.get(key) for key in EVENT_DETAILS},
            }
        ),
        started_at=c.parse_time(event.get("datetime"), "data.event.datetime"),
        raw=body,
    )


def _metric_alert(body: dict[str, Any], data: dict[str, Any], action: str) -> AlertIn:
    if action not in METRIC_ACTIONS:
        raise PayloadError(
            "action must be critical, warning or resolved for a metric alert.", field="action"
        )
    incident = c.expect_dict(data.get("metric_alert"), "data.metric_alert")
    incident_id = c.provided_key(incident.get("id"), "data.metric_alert.id")
    rule = c.optional_dict(incident, "alert_rule", "data.metric_alert.alert_rule")
    title = c.first_text(data.get("description_title"), rule.get("name"), incident.get("title"))
    if title is None:
        raise PayloadError(
            "data.description_title must be a non-empty string.", field="data.description_title"
        )
    projects = rule.get("projects")
    return AlertIn(
        dedup_key=c.derived_key(f"sentry-metric-{incident_id}"),
        action=METRIC_ACTIONS[action][0],
        summary=c.summary(title),
        severity=METRIC_ACTIONS[action][1],
        source_severity=action,
        labels=c.present(
            {
                "alert_rule": c.text(rule.get("name")),
                "environment": c.text(rule.get("environment")),
                "projects": ",".join(p for p in projects if isinstance(p, str))
                if isinstance(projects, list)
                else None,
            }
        ),
        links=c.links(c.link(data.get("web_url"), "Sentry alert")),
        details=c.present(
            {
                "description_text": data.get("description_text"),
                "identifier": incident.get("identifier"),
                **{key: rule.get(key) for key in RULE_DETAILS},
            }
        ),
        started_at=c.parse_time(incident.get("date_started"), "data.metric_alert.date_started"),
        raw=body,
    )


def _issue(body: dict[str, Any], data: dict[str, Any], action: str) -> AlertIn:
    if action not in ISSUE_ACTIONS:
        raise PayloadError(
            "action must be one of created, unresolved, resolved, archived, "
            "ignored or assigned for an issue.",
            field="action",
        )
    issue = c.expect_dict(data.get("issue"), "data.issue")
    issue_id = c.provided_key(issue.get("id"), "data.issue.id")
    level = c.optional_str(issue, "level", "data.issue.level")
    title = c.first_text(issue.get("title"), issue.get("culprit"))
    if title is None:
        raise PayloadError("data.issue.title must be a non-empty string.", field="data.issue.title")
    project = issue.get("project")
    return AlertIn(
        dedup_key=c.derived_key(f"sentry-issue-{issue_id}"),
        action=ISSUE_ACTIONS[action],
        summary=c.summary(title),
        severity=c.urgency(level),
        source_severity=level,
        source=c.text(issue.get("culprit")),
        labels=c.present(
            {
                "project": c.text(project.get("slug")) if isinstance(project, dict) else None,
                "short_id": c.text(issue.get("shortId")),
            }
        ),
        links=c.links(
            c.link(issue.get("web_url"), "Sentry issue"),
            c.link(issue.get("permalink"), "Sentry issue"),
        ),
        details=c.present({key: issue.get(key) for key in ISSUE_DETAILS}),
        started_at=c.parse_time(issue.get("firstSeen"), "data.issue.firstSeen"),
        raw=body,
    )


def _tags(value: object, field: str) -> dict[str, str]:
    """Sentry event tags: [key, value] pairs (webhooks) or {key, value} objects (the API)."""
    labels: dict[str, str] = {}
    for i, tag in enumerate(c.expect_list(value, field) if value is not None else []):
        pair = [tag.get("key"), tag.get("value")] if isinstance(tag, dict) else tag
        if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], str):
            raise PayloadError(f"{field}[{i}] must be a [key, value] pair.", field=f"{field}[{i}]")
        coerced = c.scalar_str(pair[1])
        if coerced is not None:
            labels[pair[0]] = coerced
    return labels
