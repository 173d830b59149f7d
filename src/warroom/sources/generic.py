"""warroom's own alert format, for scripts and tools without a format of their own.

One alert, or a JSON array of up to 1000 of them (errors then name the index, `[3].summary`):

    {"summary": "Disk full on db-1",            required, non-blank
     "dedup_key": "db-1/disk",                  optional, ≤ 255 characters
     "status": "firing" | "resolved",           default "firing"
     "severity": "critical" | "error" | "warning" | "info" | a level id such as "P1",
     "service": "payments", "source": "db-1",
     "labels": {"team": "core"},                values are strings (numbers/booleans coerced)
     "links": [{"href": "https://…", "text": "Graph"}, "https://…"],   http(s) only
     "details": {…},                            anything
     "started_at": "2026-11-02T09:00:00Z"}      ISO 8601, naive means UTC

Unknown keys are refused (a typo would otherwise vanish). Without a dedup_key the key is a hash
of (summary, service, sorted labels), so the same alert sent twice is one alert.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from warroom.domain.alerts import URGENCIES, AlertAction, AlertIn, Link, PayloadError
from warroom.sources import _common as c

MAX_BATCH = 1000
ACTIONS = {"firing": AlertAction.TRIGGER, "resolved": AlertAction.RESOLVE}
LINK_KEYS = {"href", "text"}
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class GenericAlert(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    summary: NonBlank
    dedup_key: str | None = None
    status: Literal["firing", "resolved"] = "firing"
    severity: str | None = None
    service: str | None = None
    source: str | None = None
    labels: dict[str, Any] | None = None
    links: list[Any] | None = None
    details: dict[str, Any] | None = None
    started_at: str | None = None


def parse(body: object) -> list[AlertIn]:
    if not isinstance(body, list):
        return [_parse_one(body, "")]
    if len(body) > MAX_BATCH:
        raise PayloadError(f"A batch holds at most {MAX_BATCH} alerts; this one has {len(body)}.")
    return [_parse_one(item, f"[{i}]") for i, item in enumerate(body)]


def _parse_one(item: object, at: str) -> AlertIn:
    raw = c.expect_dict(item, at)
    try:
        alert = GenericAlert.model_validate(raw)
    except ValidationError as exc:
        raise _payload_error(exc, at) from None
    labels = c.labels_from(alert.labels, _at(at, "labels"))
    service = c.text(alert.service)
    return AlertIn(
        dedup_key=_dedup_key(alert, labels, service, at),
        action=ACTIONS[alert.status],
        summary=c.summary(alert.summary),
        severity=_severity(alert.severity),
        source_severity=c.text(alert.severity),
        service=service,
        source=c.text(alert.source),
        labels=labels,
        links=c.links(*_links(alert.links or [], _at(at, "links"))),
        details=alert.details or {},
        started_at=c.parse_time(alert.started_at, _at(at, "started_at")),
        raw=raw,
    )


def _dedup_key(alert: GenericAlert, labels: dict[str, str], service: str | None, at: str) -> str:
    if alert.dedup_key:
        return c.provided_key(alert.dedup_key, _at(at, "dedup_key"))
    return c.stable_hash(alert.summary, service, sorted(labels.items()))


def _severity(raw: str | None) -> str | None:
    """A common-scale name in lower case; anything else (a level id such as "P1") as given."""
    found = c.text(raw)
    if found is None:
        return None
    return found.lower() if found.lower() in URGENCIES else found


def _links(items: list[Any], at: str) -> list[Link]:
    found: list[Link] = []
    for i, item in enumerate(items):
        where = f"{at}[{i}]"
        entry = {"href": item} if isinstance(item, str) else c.expect_dict(item, where)
        unknown = sorted(map(str, entry.keys() - LINK_KEYS))
        if unknown:
            raise PayloadError(
                f"{where}.{unknown[0]} is not a link field (href, text).",
                field=f"{where}.{unknown[0]}",
            )
        label = entry.get("text", "")
        if not isinstance(label, str):
            raise PayloadError(f"{where}.text must be a string.", field=f"{where}.text")
        made = c.link(entry.get("href"), label.strip())
        if made is None:
            field = where if isinstance(item, str) else f"{where}.href"
            raise PayloadError(f"{field} must be an http or https URL.", field=field)
        found.append(made)
    return found


def _payload_error(exc: ValidationError, at: str) -> PayloadError:
    error = exc.errors()[0]
    field = at
    for part in error["loc"]:
        field = f"{field}[{part}]" if isinstance(part, int) else _at(field, str(part))
    if error["type"] == "missing":
        return PayloadError(f"{field} is required.", field=field)
    if error["type"] == "extra_forbidden":
        return PayloadError(f"{field} is not a field of a warroom alert.", field=field)
    if error["type"] == "string_too_short":
        return PayloadError(f"{field} must not be blank.", field=field)
    reason = error["msg"][:1].lower() + error["msg"][1:]
    return PayloadError(f"{field} is invalid: {reason}.", field=field)


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
