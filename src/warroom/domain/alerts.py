"""One normalised alert, whatever tool sent it.

Each module in `warroom.sources` maps its tool's body to a list of `AlertIn`. Severity is
carried on a small common scale (PagerDuty's: critical, error, warning, info) or, when the
sender names one directly, as a level id such as "P1"; routing turns it into a level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024


class AlertAction(StrEnum):
    TRIGGER = "trigger"  # firing (again): open or refresh the alert
    ACKNOWLEDGE = "acknowledge"  # someone saw it at the source: acknowledge its incident
    RESOLVE = "resolve"  # the condition cleared


class AlertStatus(StrEnum):
    """A stored alert's state: firing until its source says it cleared."""

    FIRING = "firing"
    RESOLVED = "resolved"


class Urgency(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


URGENCIES = frozenset(u.value for u in Urgency)  # their names, for a quick membership test


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class AlertIn:
    dedup_key: str
    action: AlertAction
    summary: str
    severity: str | None = None  # an Urgency value, or a level id ("P1") named by the sender
    source_severity: str | None = None  # what the tool said, kept for display
    service: str | None = None
    source: str | None = None  # the host or component the alert is about
    labels: dict[str, str] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


MAX_NESTING = 100  # levels of arrays and objects in a body (orjson writes at most 254)


def nests_deeper(body: bytes, value: object, limit: int = MAX_NESTING) -> bool:
    """Does a parsed JSON body nest deeper than `limit`? Counting brackets in the bytes
    (at C speed) clears almost every body; only one with as many brackets is walked."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    level: list[tuple[object, int]] = [(value, 1)]
    while level:
        item, depth = level.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(children, Iterable) and isinstance(item, dict | list):
            if depth > limit:
                return True
            level.extend((child, depth + 1) for child in children)
    return False


class PayloadError(ValueError):
    """The body is not what this kind of sender sends; `field` names the offending part."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
