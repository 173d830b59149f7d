"""What the server and its alert writer process (`processes.ingest_writer`) send each other: plain
tuples, pickled.

A batch carries only what the writer reads: labels, links, details and the raw payload
travel already encoded as the database stores them. In the writer, an alert and its route
are named tuples that are what `ingest.apply` reads of them (`prep.AlertFacts`,
`RouteFacts`, `ReadyFacts`): they are made ten times faster than the frozen dataclasses
the server uses. An answer is each submission's outcomes, or what refused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.exc import OperationalError

from warroom.db.queries.alerts import JSON_COLUMNS
from warroom.domain.alerts import AlertAction
from warroom.domain.routing import AutoResolve
from warroom.errors import Unavailable
from warroom.services.ingest import apply, replays
from warroom.services.ingest.batches import Result
from warroom.services.ingest.integrations import Sender
from warroom.services.ingest.prep import ReadyFacts, Submission

REPLAYED = "replayed"
UNAVAILABLE = "unavailable"  # the database refused (OperationalError): 503
FAILED = "failed"  # anything else: 500


class _Alert(NamedTuple):  # prep.AlertFacts
    dedup_key: str
    action: AlertAction
    summary: str
    source_severity: str | None
    source: str | None
    started_at: datetime | None


class _Decision(NamedTuple):  # prep.RouteFacts
    drop: bool
    service: str | None
    level: str | None
    group_key: str
    auto_resolve: AutoResolve


class _Ready(NamedTuple):  # prep.ReadyFacts
    alert: _Alert
    decision: _Decision
    json: dict[str, str]
    event_data: str


ACTIONS = {action.value: action for action in AlertAction}
MODES = {mode.value: mode for mode in AutoResolve}


def pack(submissions: list[Submission]) -> list[tuple[Any, ...]]:
    return [
        ((d.sender.id, d.sender.name, d.sender.kind, d.sender.service), d.signature,
         [_pack_ready(ready) for ready in d.alerts])
        for d in submissions
    ]  # fmt: skip


def _pack_ready(ready: ReadyFacts) -> tuple[Any, ...]:
    a, d = ready.alert, ready.decision
    return (
        (a.dedup_key, a.action.value, a.summary, a.source_severity, a.source, a.started_at),
        (d.drop, d.service, d.level, d.group_key, d.auto_resolve.value),
        tuple(ready.json[name] for name in JSON_COLUMNS),
        ready.event_data,
    )


def unpack(
    packed: list[tuple[Any, ...]], senders: dict[tuple[Any, ...], Sender]
) -> list[Submission]:
    submissions = []
    for sender, signature, alerts in packed:
        known = senders.get(sender)
        if known is None:  # its secret stays with the server: the writer needs none
            sender_id, name, kind, service = sender
            known = senders[sender] = Sender(sender_id, name, kind, service, None, False)
        ready = [_unpack_ready(*alert) for alert in alerts]
        submissions.append(Submission(known, ready, signature))
    return submissions


def _unpack_ready(
    alert: tuple[Any, ...], decision: tuple[Any, ...], json: tuple[str, ...], event_data: str
) -> _Ready:
    key, action, summary, source_severity, source, started_at = alert
    drop, service, level, group_key, mode = decision
    return _Ready(
        _Alert(key, ACTIONS[action], summary, source_severity, source, started_at),
        _Decision(drop, service, level, group_key, MODES[mode]),
        dict(zip(JSON_COLUMNS, json, strict=True)),
        event_data,
    )


def pack_result(result: Result) -> Any:
    if isinstance(result, replays.Replayed):
        return REPLAYED
    if isinstance(result, OperationalError):
        return (UNAVAILABLE, str(result.orig))
    if isinstance(result, Exception):
        return (FAILED, f"{type(result).__name__}: {result}")
    return [(o.dedup_key, o.action, o.result, o.incident_id) for o in result]


def unpack_result(packed: Any) -> Result:
    if packed == REPLAYED:
        return replays.Replayed()
    if isinstance(packed, tuple):
        kind, message = packed
        if kind == UNAVAILABLE:
            return Unavailable(f"The database is unavailable ({message}); nothing was stored.")
        return RuntimeError(f"the alert writer process failed: {message}")
    return [apply.Outcome(*outcome) for outcome in packed]
