"""Little helpers every sender module shares: type checks that raise `PayloadError` naming the
field, label coercion, timestamps, dedup keys, links and the severity table.

Nothing here raises anything but `PayloadError`, whatever it is given.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

from warroom.domain.alerts import MAX_DEDUP_KEY, MAX_SUMMARY, Link, PayloadError, Urgency, clip

# What the tools call their levels, on warroom's common scale (PagerDuty's). Prometheus
# conventions, Sentry levels, Datadog priorities and alert types, and a few common aliases.
URGENCIES: dict[str, Urgency] = {
    **dict.fromkeys(["critical", "crit", "page", "p1", "fatal"], Urgency.CRITICAL),
    **dict.fromkeys(["error", "err", "high", "major", "p2"], Urgency.ERROR),
    **dict.fromkeys(["warning", "warn", "medium", "p3"], Urgency.WARNING),
    **dict.fromkeys(["info", "low", "none", "debug", "p4", "p5", "success"], Urgency.INFO),
}


def urgency(raw: str | None) -> Urgency | None:
    """The common-scale urgency a tool's level names, or None when it names none we know."""
    return URGENCIES.get(raw.strip().lower()) if raw else None


def expect_dict(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{field or 'The body'} must be a JSON object.", field=field or None)
    return value


def expect_list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(f"{field} must be a JSON array.", field=field)
    return value


def optional_dict(obj: dict[str, Any], key: str, field: str) -> dict[str, Any]:
    """obj[key] as a dict; absent or null is an empty one, anything else is an error."""
    value = obj.get(key)
    return {} if value is None else expect_dict(value, field)


def optional_str(obj: dict[str, Any], key: str, field: str) -> str | None:
    """obj[key] stripped; absent, null or blank is None; a non-string is an error."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{field} must be a string.", field=field)
    return value.strip() or None


def text(value: object) -> str | None:
    """A stripped non-empty string, or None for anything else (no error: for optional extras)."""
    return value.strip() or None if isinstance(value, str) else None


def first_text(*candidates: object) -> str | None:
    """The first candidate that is a non-blank string, stripped."""
    return next((found for found in map(text, candidates) if found), None)


def scalar_str(value: object) -> str | None:
    """A JSON scalar as a string (true/false for booleans); None for null, lists and objects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def labels_from(value: object, field: str) -> dict[str, str]:
    """A JSON object of labels with scalar values coerced to strings; null values dropped."""
    if value is None:
        return {}
    labels: dict[str, str] = {}
    for key, item in expect_dict(value, field).items():
        if item is None:
            continue
        coerced = scalar_str(item)
        if coerced is None:
            raise PayloadError(
                f"{field}.{key} must be a string, number or boolean.", field=f"{field}.{key}"
            )
        labels[str(key)] = coerced
    return labels


def present(values: dict[str, Any]) -> dict[str, Any]:
    """The entries that say something: not null, blank text, or an empty object or list."""
    return {key: value for key, value in values.items() if _says_something(value)}


def _says_something(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value != {} and value != []


def summary(value: str) -> str:
    return clip(value.strip(), MAX_SUMMARY)


def stable_hash(*parts: object) -> str:
    """A short hex digest that is the same for the same parts in every process."""
    encoded = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def derived_key(key: str) -> str:
    """A dedup key warroom builds itself: kept readable when short enough, hashed when not."""
    return key if len(key) <= MAX_DEDUP_KEY else f"sha256:{stable_hash(key)}"


def provided_key(value: object, field: str) -> str:
    """A dedup key the sender chose: a non-empty string of at most MAX_DEDUP_KEY characters."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{field} must be a non-empty string or integer.", field=field)
    if len(value) > MAX_DEDUP_KEY:
        raise PayloadError(f"{field} is longer than {MAX_DEDUP_KEY} characters.", field=field)
    return value


def parse_time(value: object, field: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 timestamp in UTC (naive means UTC); null or blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{field} must be an ISO 8601 timestamp string.", field=field)
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise PayloadError(
            f"{field} is not an ISO 8601 timestamp: {value[:40]!r}.", field=field
        ) from None


def parse_epoch(value: object, field: str) -> datetime | None:
    """Seconds or milliseconds since 1970 (a number or numeric string); null or blank is None.

    Values above 10^11 are taken as milliseconds (10^11 seconds is the year 5138).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value) if isinstance(value, str | int | float) else math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            raise ValueError
        return datetime.fromtimestamp(number / 1000 if abs(number) > 1e11 else number, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise PayloadError(
            f"{field} is not a time in seconds or milliseconds since 1970.", field=field
        ) from None


def link(href: object, label: str = "") -> Link | None:
    """A Link for an http(s) URL; None for anything else (empty, not a string, other schemes)."""
    if not isinstance(href, str):
        return None
    href = href.strip()
    return Link(href, label) if href.lower().startswith(("http://", "https://")) else None


def links(*candidates: Link | None) -> tuple[Link, ...]:
    """The present links, without repeats of the same URL."""
    seen: set[str] = set()
    kept: list[Link] = []
    for candidate in candidates:
        if candidate is not None and candidate.href not in seen:
            seen.add(candidate.href)
            kept.append(candidate)
    return tuple(kept)
