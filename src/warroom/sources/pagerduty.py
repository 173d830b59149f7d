"""PagerDuty Events API v2 alert events (developer.pagerduty.com/docs/events-api-v2/
trigger-events/ and the api-schema openapiv3.json), as sent to `/v2/enqueue`.

- `event_action`: trigger | acknowledge | resolve, nothing else.
- `dedup_key`: at most 255 characters; required for acknowledge and resolve. A trigger without
  one gets `dedup_key=""`, which tells the caller to assign a new key (PagerDuty answers with a
  fresh UUID, so such a trigger always opens a new alert) and return it in its response.
- trigger needs `payload.summary` (clipped to 1024), `payload.source` and `payload.severity`
  (critical | error | warning | info); `payload.timestamp` → started_at; `component`, `group`
  and `class` → labels; `custom_details` → details (with `client`, `client_url`); `links` and
  `images` (an image's `href`, else its `src`) → links.
- acknowledge and resolve read nothing else, and carry an empty summary: the caller keeps the
  open alert's.
- `routing_key` is the caller's business (it picks the integration); it is left out of `raw`
  so the key is not stored with every alert.
"""

from __future__ import annotations

from typing import Any

from warroom.domain.alerts import URGENCIES, AlertAction, AlertIn, Link, PayloadError
from warroom.sources import _common as c

ACTIONS = {action.value: action for action in AlertAction}
LABEL_KEYS = ("component", "group", "class")


def parse(body: object) -> list[AlertIn]:
    event = c.expect_dict(body, "")
    action = event.get("event_action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise PayloadError(
            "event_action must be trigger, acknowledge or resolve.", field="event_action"
        )
    raw = {key: value for key, value in event.items() if key != "routing_key"}
    if action != "trigger":
        key = c.provided_key(event.get("dedup_key"), "dedup_key")
        return [AlertIn(dedup_key=key, action=ACTIONS[action], summary="", raw=raw)]
    given = event.get("dedup_key")
    key = "" if given in (None, "") else c.provided_key(given, "dedup_key")
    return [_trigger(event, key, raw)]


def _trigger(event: dict[str, Any], key: str, raw: dict[str, Any]) -> AlertIn:
    if event.get("payload") is None:
        raise PayloadError("payload is required for a trigger event.", field="payload")
    payload = c.expect_dict(event["payload"], "payload")
    summary = _required(payload, "summary")
    source = _required(payload, "source")
    severity = _required(payload, "severity")
    if severity not in URGENCIES:
        raise PayloadError(
            "payload.severity must be critical, error, warning or info.", field="payload.severity"
        )
    details = _details(event, payload)
    return AlertIn(
        dedup_key=key,
        action=AlertAction.TRIGGER,
        summary=c.summary(summary),
        severity=severity,
        source_severity=severity,
        source=source,
        labels={
            name: value
            for name in LABEL_KEYS
            if (value := c.optional_str(payload, name, f"payload.{name}"))
        },
        links=c.links(*_links(event), c.link(event.get("client_url"), _client(event))),
        details=details,
        started_at=c.parse_time(payload.get("timestamp"), "payload.timestamp"),
        raw=raw,
    )


def _required(payload: dict[str, Any], key: str) -> str:
    value = c.optional_str(payload, key, f"payload.{key}")
    if value is None:
        raise PayloadError(
            f"payload.{key} is required for a trigger event.", field=f"payload.{key}"
        )
    return value


def _details(event: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    custom = payload.get("custom_details")
    details: dict[str, Any] = dict(custom) if isinstance(custom, dict) else {}
    if custom is not None and not isinstance(custom, dict):
        details["custom_details"] = custom
    return {**details, **c.present({key: event.get(key) for key in ("client", "client_url")})}


def _links(event: dict[str, Any]) -> list[Link | None]:
    found: list[Link | None] = []
    for name, href_keys in (("links", ("href",)), ("images", ("href", "src"))):
        items = event.get(name)
        for i, item in enumerate(c.expect_list(items, name) if items is not None else []):
            entry = c.expect_dict(item, f"{name}[{i}]")
            href = c.first_text(*(entry.get(key) for key in href_keys))
            if href is None:
                raise PayloadError(
                    f"{name}[{i}].{href_keys[-1]} is required.",
                    field=f"{name}[{i}].{href_keys[-1]}",
                )
            found.append(c.link(href, c.text(entry.get("text") or entry.get("alt")) or ""))
    return found


def _client(event: dict[str, Any]) -> str:
    return c.text(event.get("client")) or "Client"
