"""Datadog's Webhooks integration (docs.datadoghq.com/integrations/webhooks/).

Datadog posts the JSON payload the webhook is configured with, `$VARIABLES` substituted. The
tile's default payload is understood as is:

    {"body": "$EVENT_MSG", "last_updated": "$LAST_UPDATED", "event_type": "$EVENT_TYPE",
     "title": "$EVENT_TITLE", "date": "$DATE", "org": {"id": "$ORG_ID", "name": "$ORG_NAME"},
     "id": "$ID"}

Its title carries the priority, transition and scope: "[Triggered] CPU high", "[P1] [Recovered]
CPU high", "[Triggered on {host:web-1}] Host is down". The action is the transition's
(`Recovered` resolves; Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data and Renotify
trigger), and the dedup key is the title without priority and transition, plus the scope.

Recommended payload: the default one plus these keys, so that the dedup key, urgency, host,
tags and link come from the monitor rather than from its title:

    "aggreg_key": "$AGGREG_KEY", "alert_id": "$ALERT_ID", "alert_transition": "$ALERT_TRANSITION",
    "alert_priority": "$ALERT_PRIORITY", "alert_type": "$ALERT_TYPE",
    "alert_title": "$ALERT_TITLE", "alert_status": "$ALERT_STATUS", "alert_scope": "$ALERT_SCOPE",
    "alert_cycle_key": "$ALERT_CYCLE_KEY", "hostname": "$HOSTNAME", "tags": "$TAGS",
    "link": "$LINK", "snapshot": "$SNAPSHOT", "service": "$TAGS[service]"

Dedup key: `datadog-<aggreg_key>`, else `datadog-monitor-<alert_id>[/<alert_scope>]`, else
`datadog-<title without prefixes>[ {scope}]`. Action: `alert_transition`, else the title's,
else `alert_type` "success" resolves. Urgency: `alert_priority` (P1 → critical, P2 → error,
P3 → warning, P4/P5 → info), else `alert_type` (error, warning, info/success → info), else the
title's [Pn], else a Warn transition → warning. Tags ("a:b, c") and the scope become labels;
`service` is the `service` key or tag, `source` the hostname or `host` tag; the other keys go
to details. A `$VARIABLE` left unsubstituted counts as absent.
"""

from __future__ import annotations

import re

from warroom.domain.alerts import AlertAction, AlertIn, PayloadError, Urgency
from warroom.sources import _common as c

PLACEHOLDER = re.compile(r"\$[A-Z][A-Z0-9_]*(\[[^\]]*\])?")
PRIORITY = re.compile(r"\[(P[1-5])\]\s*", re.IGNORECASE)
TRANSITION = re.compile(
    r"\[(Re-Triggered|Triggered|Re-Warn|Warn|Re-No Data|No Data|Recovered|Renotify)\b([^\]]*)\]\s*",
    re.IGNORECASE,
)
SCOPE = re.compile(r"\{([^}]*)\}")
TITLE_KEYS = ("title", "event_title", "alert_title")
MAPPED_KEYS = {
    *TITLE_KEYS,
    "aggreg_key",
    "alert_transition",
    "alert_priority",
    "alert_type",
    "hostname",
    "tags",
    "link",
    "snapshot",
    "service",
    "date",
}


def parse(body: object) -> list[AlertIn]:
    payload = c.expect_dict(body, "")
    fields = {key: found for key, value in payload.items() if (found := _text(value))}
    title = c.first_text(*(fields.get(key) for key in TITLE_KEYS))
    if title is None:
        raise PayloadError(
            "title must be a non-empty string (Datadog's $EVENT_TITLE).", field="title"
        )
    priority, transition, scope, rest = _split_title(title)
    transition = fields.get("alert_transition") or transition
    scope = fields.get("alert_scope") or scope
    labels = {
        **_tags(payload.get("alert_scope"), "alert_scope"),
        **_tags(payload.get("tags"), "tags"),
    }
    severity, raw_severity = _severity(fields, priority, transition)
    return [
        AlertIn(
            dedup_key=_dedup_key(fields, rest, scope),
            action=_action(transition, fields.get("alert_type")),
            summary=c.summary(f"{rest} ({scope})" if scope else rest),
            severity=severity,
            source_severity=raw_severity,
            service=fields.get("service") or labels.get("service") or None,
            source=fields.get("hostname") or labels.get("host") or None,
            labels=labels,
            links=c.links(
                c.link(fields.get("link"), "Datadog"), c.link(fields.get("snapshot"), "Snapshot")
            ),
            details={
                key: value
                for key, value in payload.items()
                if key not in MAPPED_KEYS and (key in fields or not _blank(value))
            },
            started_at=c.parse_epoch(fields.get("date"), "date"),
            raw=payload,
        )
    ]


def _text(value: object) -> str | None:
    """A string or number as stripped text; None when blank or an unsubstituted `$VARIABLE`."""
    found = c.text(c.scalar_str(value)) if not isinstance(value, bool) else None
    return None if found is None or PLACEHOLDER.fullmatch(found) else found


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and _text(value) is None)


def _split_title(title: str) -> tuple[str | None, str | None, str | None, str]:
    """[P1] [Triggered on {host:a}] Rest → ("P1", "Triggered", "host:a", "Rest")."""
    priority = transition = scope = None
    rest = title
    while True:
        if match := PRIORITY.match(rest):
            priority = match.group(1).upper()
        elif match := TRANSITION.match(rest):
            transition = match.group(1)
            found = SCOPE.search(match.group(2))
            scope = found.group(1).strip() if found else None
        else:
            break
        rest = rest[match.end() :]
    return priority, transition, scope or None, rest.strip() or title


def _tags(value: object, field: str) -> dict[str, str]:
    """Datadog tags, "key:value, bare" (or a JSON list of them), as labels; repeats are joined."""
    if isinstance(value, list):
        value = ",".join(item for item in value if isinstance(item, str))
    if value is not None and not isinstance(value, str):
        raise PayloadError(f"{field} must be a comma-separated string of tags.", field=field)
    labels: dict[str, str] = {}
    for tag in (part.strip() for part in (_text(value) or "").split(",")):
        key, _, tag_value = (part.strip() for part in tag.partition(":"))
        if key:
            labels[key] = f"{labels[key]},{tag_value}" if labels.get(key) else tag_value
    return labels


def _dedup_key(fields: dict[str, str], rest: str, scope: str | None) -> str:
    if fields.get("aggreg_key"):
        return c.derived_key(f"datadog-{fields['aggreg_key']}")
    if fields.get("alert_id"):
        suffix = f"/{scope}" if scope else ""
        return c.derived_key(f"datadog-monitor-{fields['alert_id']}{suffix}")
    return c.derived_key(f"datadog-{rest} {{{scope}}}" if scope else f"datadog-{rest}")


def _action(transition: str | None, alert_type: str | None) -> AlertAction:
    if transition:
        return AlertAction.RESOLVE if transition.lower() == "recovered" else AlertAction.TRIGGER
    return AlertAction.RESOLVE if (alert_type or "").lower() == "success" else AlertAction.TRIGGER


def _severity(
    fields: dict[str, str], priority: str | None, transition: str | None
) -> tuple[Urgency | None, str | None]:
    for raw in (fields.get("alert_priority"), fields.get("alert_type"), priority):
        if c.urgency(raw):
            return c.urgency(raw), raw
    if transition and transition.lower() in ("warn", "re-warn"):
        return Urgency.WARNING, transition
    return None, None
