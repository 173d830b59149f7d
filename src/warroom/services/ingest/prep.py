"""The part of taking in an alert that needs no database: its storable form, its route,
and its row's JSON already encoded.

The request does this before it queues its alerts for the group-commit writer, so the
writer's transaction (which holds SQLite's one write lock) is left with only what depends
on stored rows, and with `warroom serve --processes N` the processes do this work side
by side instead of one after another under the lock.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from warroom.db.engine import json_text
from warroom.domain.alerts import AlertAction, AlertIn
from warroom.domain.routing import AutoResolve, Decision, decide
from warroom.services.context import Context
from warroom.services.ingest.integrations import Sender

NUL, REPLACEMENT = "\x00", "\ufffd"
TEXT_FIELDS = ("dedup_key", "summary", "severity", "source_severity", "service", "source")


class AlertFacts(Protocol):
    """What the writer reads of an alert (an `AlertIn`, or the writer process's copy)."""

    @property
    def dedup_key(self) -> str: ...
    @property
    def action(self) -> AlertAction: ...
    @property
    def summary(self) -> str: ...
    @property
    def source_severity(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def started_at(self) -> datetime | None: ...


class RouteFacts(Protocol):
    """What the writer reads of an alert's route (a `Decision`, or the process's copy)."""

    @property
    def drop(self) -> bool: ...
    @property
    def service(self) -> str | None: ...
    @property
    def level(self) -> str | None: ...
    @property
    def group_key(self) -> str: ...
    @property
    def auto_resolve(self) -> AutoResolve: ...


class ReadyFacts(Protocol):
    """What the writer reads of an alert ready for it (a `Ready`, or the process's copy)."""

    @property
    def alert(self) -> AlertFacts: ...
    @property
    def decision(self) -> RouteFacts: ...
    @property
    def json(self) -> dict[str, str]: ...
    @property
    def event_data(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Ready:
    """An alert ready for the writer."""

    alert: AlertIn
    decision: Decision
    json: dict[str, str]  # each of JSON_COLUMNS as the database stores it
    event_data: str  # the `data` of its timeline lines, encoded


@dataclass(frozen=True, slots=True)
class Submission:
    """The alerts of one request, in the order sent."""

    sender: Sender
    alerts: Sequence[ReadyFacts]
    signature: str | None = None  # of a signed request: taken once (`replays`)


def prepare(
    ctx: Context, sender: Sender, alerts: list[AlertIn], signature: str | None = None
) -> Submission:
    ready = [_ready(ctx, sender, _storable(alert)) for alert in alerts]
    return Submission(sender, ready, signature)


def _ready(ctx: Context, sender: Sender, alert: AlertIn) -> Ready:
    config = ctx.config
    decision = decide(
        alert,
        routes=config.routes,
        default=config.default_route,
        kind=sender.kind,
        integration=sender.name,
        integration_service=sender.service,
        levels=config.level_ids,
    )
    stored: dict[str, Any] = {
        "labels": alert.labels,
        "links": [{"href": link.href, "text": link.text} for link in alert.links],
        "details": alert.details,
        "raw": alert.raw,
    }
    data = {
        "dedup_key": alert.dedup_key,
        "integration": sender.name,
        "severity": decision.level,
        "route": decision.route,
    }
    return Ready(
        alert,
        decision,
        {name: json_text(value) for name, value in stored.items()},
        json_text(data),
    )


def _storable(alert: AlertIn) -> AlertIn:
    """The alert with a dedup key (PagerDuty's trigger may leave it to us), and with any NUL
    in a field stored as text replaced: PostgreSQL refuses NUL in text, and a sender's stray
    NUL must not cost the alert (nor, in a label, the incident's group key)."""
    changes: dict[str, Any] = {
        name: value.replace(NUL, REPLACEMENT)
        for name in TEXT_FIELDS
        if isinstance(value := getattr(alert, name), str) and NUL in value
    }
    if any(NUL in key or NUL in value for key, value in alert.labels.items()):
        changes["labels"] = {
            key.replace(NUL, REPLACEMENT): value.replace(NUL, REPLACEMENT)
            for key, value in alert.labels.items()
        }
    if not alert.dedup_key:
        changes["dedup_key"] = uuid.uuid4().hex
    return dataclasses.replace(alert, **changes) if changes else alert
