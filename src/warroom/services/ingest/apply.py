"""Apply alerts from many requests in one transaction: deduplicate, group, open incidents.

The alerts come prepared (`ingest.prep`: routed, their JSON encoded), so what is done
here is only what depends on stored rows. Reads are done in bulk (one query for the
batch's dedup keys, one for its group keys) and alert rows and timeline lines are written
with executemany; only the rare incident-level effects (a new incident, a reopen, a
severity raise, an acknowledgement, an auto-resolve) go through the incident use cases
one by one.

Alerts that fire (or resolve) on one incident from one integration in one batch, and so
at one instant, make one timeline line ("3 alerts firing: …"): a flood of a hundred
alerts is one line to read, not a hundred, and the incident's alert list has each of
them. A single alert keeps a line of its own ("Alert firing: …").
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warroom.db.queries import alerts as statements
from warroom.db.queries import incidents as incident_statements
from warroom.domain import alert_context
from warroom.domain.alerts import AlertAction, AlertStatus, clip
from warroom.domain.incidents import Source
from warroom.domain.routing import AutoResolve
from warroom.errors import Invalid
from warroom.services.context import Context
from warroom.services.incidents import openings, timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.ingest import effects as alert_effects
from warroom.services.ingest.integrations import Sender
from warroom.services.ingest.prep import AlertFacts, ReadyFacts, RouteFacts, Submission

SUMMARIES_SHOWN = 5  # in the text of a line for several alerts
ALERTS_LISTED = 50  # in its data (with the count of them all)
_ALERT_VALUES = operator.itemgetter(*statements.ALERT_COLUMNS)  # a row dict as the insert's tuple
FIRING, RESOLVED = AlertStatus.FIRING.value, AlertStatus.RESOLVED.value


@dataclass(frozen=True, slots=True)
class Outcome:
    dedup_key: str
    action: str
    result: str  # created | updated | resolved | acknowledged | dropped | ignored
    incident_id: int | None


@dataclass(slots=True)
class _Firing:
    id: int | None  # None until inserted
    incident_id: int
    count: int
    summary: str = ""  # the stored one, for a resolve or acknowledge that carries none
    auto_resolve: str | None = None  # its route's mode when it fired (None: stored before 0005)
    row: dict[str, Any] | None = None  # the insert, for an alert new in this batch
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Batch:
    ctx: Context
    now: datetime  # one instant for the whole batch: it is committed at once
    firing: dict[tuple[int, str], _Firing]
    open_groups: dict[str, int]
    effects: alert_effects.Effects
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    # (incident id, kind, integration) → each alert's (summary, encoded event data)
    lines: dict[tuple[int, Kind, str], list[tuple[str, str]]] = field(default_factory=dict)
    resolved_rows: list[dict[str, Any]] = field(default_factory=list)


def apply(session: Session, *, ctx: Context, submissions: list[Submission]) -> list[list[Outcome]]:
    """Apply every submission's alerts in order; the caller commits once for all of them."""
    batch = _Batch(
        ctx=ctx,
        now=ctx.clock.now(),
        firing=_load_firing(session, submissions),
        open_groups=_load_open_groups(session, submissions),
        effects=alert_effects.Effects(),
    )
    _open_new_groups(session, batch, submissions)
    results = [
        [_apply_one(batch, submission.sender, ready) for ready in submission.alerts]
        for submission in submissions
    ]
    _write(session, batch)
    alert_effects.apply(session, ctx=ctx, effects=batch.effects)
    return results


def _load_firing(session: Session, submissions: list[Submission]) -> dict[tuple[int, str], _Firing]:
    wanted: dict[int, set[str]] = {}
    for submission in submissions:
        wanted.setdefault(submission.sender.id, set()).update(
            ready.alert.dedup_key for ready in submission.alerts
        )
    found: dict[tuple[int, str], _Firing] = {}
    connection = session.connection()  # Core: these reads need nothing of the ORM
    for sender_id, keys in wanted.items():
        rows = statements.FIRING_BY_KEY.run(connection, sorted(keys), integration_id=sender_id)
        for alert_id, key, incident_id, count, summary, mode in rows:
            if incident_id is not None:  # every stored alert belongs to an incident
                found[(sender_id, key)] = _Firing(alert_id, incident_id, count, summary, mode)
    return found


def _load_open_groups(session: Session, submissions: list[Submission]) -> dict[str, int]:
    keys = {
        ready.decision.group_key
        for submission in submissions
        for ready in submission.alerts
        if ready.alert.action == AlertAction.TRIGGER and not ready.decision.drop
    }
    if not keys:
        return {}
    rows = incident_statements.OPEN_GROUPS.run(session.connection(), sorted(keys))
    return {str(key): incident_id for key, incident_id in rows}


def _apply_one(batch: _Batch, sender: Sender, ready: ReadyFacts) -> Outcome:
    alert, decision = ready.alert, ready.decision

    def outcome(result: str, incident_id: int | None) -> Outcome:
        return Outcome(alert.dedup_key, alert.action.value, result, incident_id)

    if decision.drop:
        return outcome("dropped", None)
    key = (sender.id, alert.dedup_key)
    current = batch.firing.get(key)
    now = batch.now
    if alert.action == AlertAction.RESOLVE:
        if current is None:
            return outcome("ignored", None)
        del batch.firing[key]
        _resolve(batch, sender, ready, current, now)
        return outcome("resolved", current.incident_id)
    if alert.action == AlertAction.ACKNOWLEDGE:
        if current is None:
            return outcome("ignored", None)
        batch.effects.acknowledge.setdefault(current.incident_id, sender.name)
        return outcome("acknowledged", current.incident_id)
    if current is not None:
        current.count += 1
        current.summary = clip(alert.summary, 1024)
        repeat = {"count": current.count, "last_seen_at": now, "summary": current.summary}
        (current.row if current.row is not None else current.changes).update(repeat)
        return outcome("updated", current.incident_id)
    incident_id = _incident_for(batch, sender, alert, decision)
    row = _alert_row(sender, ready, incident_id, now)
    batch.new_rows.append(row)
    batch.firing[key] = _Firing(
        id=None,
        incident_id=incident_id,
        count=1,
        summary=row["summary"],
        auto_resolve=row["auto_resolve"],
        row=row,
    )
    _line(batch, incident_id, Kind.ALERT, sender, alert.summary, ready)
    return outcome("created", incident_id)


def _open_new_groups(session: Session, batch: _Batch, submissions: list[Submission]) -> None:
    """Open, in one go, an incident for each group whose first firing alert in this batch
    finds no open incident (walking the batch in order, as `_apply_one` will). Each is
    declared from that first alert, when it came."""
    firing = set(batch.firing)
    planned: dict[str, openings.Opening] = {}
    now = batch.now
    for submission in submissions:
        for ready in submission.alerts:
            alert, decision = ready.alert, ready.decision
            key = (submission.sender.id, alert.dedup_key)
            if decision.drop or alert.action == AlertAction.ACKNOWLEDGE:
                continue
            if alert.action == AlertAction.RESOLVE:
                firing.discard(key)
                continue
            if key in firing:
                continue  # a repeat: it stays with its incident
            firing.add(key)
            group = decision.group_key
            if group not in batch.open_groups and group not in planned:
                planned[group] = _opening(batch.ctx, submission.sender, ready, now)
    made = openings.open_incidents(session, ctx=batch.ctx, openings=list(planned.values()))
    for group, incident in zip(planned, made, strict=True):
        batch.open_groups[group] = incident.id


def _opening(ctx: Context, sender: Sender, ready: ReadyFacts, now: Any) -> openings.Opening:
    alert, decision = ready.alert, ready.decision
    try:
        service = ctx.config.check_service(decision.service)
    except Invalid:
        service = None  # an unknown service never costs an alert
    return openings.Opening(
        actor=sender.name,
        title=clip(alert.summary, 200) or "Alert",
        severity=decision.level or ctx.config.level_ids[-1],
        service=service,
        summary=clip(_description(ready) or alert.summary, 10_000),
        source=Source.ALERT,
        at=now,
        group_key=decision.group_key,
    )


def _description(ready: ReadyFacts) -> str | None:
    """The alert's description, read from its stored details (the writer process gets
    the alert without its details, but with the row's JSON)."""
    details = json.loads(ready.json.get("details") or "{}")
    return alert_context.description_of(details) if isinstance(details, dict) else None


def _incident_for(batch: _Batch, sender: Sender, alert: AlertFacts, decision: RouteFacts) -> int:
    """The open incident of the alert's group (`_open_new_groups` opened any missing)."""
    existing = batch.open_groups[decision.group_key]
    batch.effects.firing.setdefault(existing, []).append(
        (decision.level, alert.summary, sender.name)
    )
    return existing


def _resolve(batch: _Batch, sender: Sender, ready: ReadyFacts, current: _Firing, now: Any) -> None:
    changes = {"status": RESOLVED, "resolved_at": now, "last_seen_at": now}
    if current.row is not None:
        current.row.update(changes)  # fired and cleared within this batch
    else:
        batch.resolved_rows.append({"id": current.id, **current.changes, **changes})
        current.changes = {}
    summary = ready.alert.summary or current.summary  # PagerDuty's resolve carries no summary
    _line(batch, current.incident_id, Kind.ALERT_RESOLVED, sender, summary, ready)
    # the mode of the route the alert fired under: a resolve may carry none of its labels
    mode = (
        AutoResolve(current.auto_resolve) if current.auto_resolve else ready.decision.auto_resolve
    )
    batch.effects.cleared.setdefault(current.incident_id, (mode, sender.name))


def _alert_row(sender: Sender, ready: ReadyFacts, incident_id: int, now: Any) -> dict[str, Any]:
    alert, decision = ready.alert, ready.decision
    return {
        "integration_id": sender.id,
        "incident_id": incident_id,
        "dedup_key": alert.dedup_key,
        "status": FIRING,
        "summary": clip(alert.summary, 1024),
        "severity": decision.level,
        "source_severity": (alert.source_severity or "")[:40] or None,
        "service": (decision.service or "")[:80] or None,
        "source": (alert.source or "")[:255] or None,
        **ready.json,
        "count": 1,
        "started_at": alert.started_at,
        "first_seen_at": now,
        "last_seen_at": now,
        "resolved_at": None,
        "auto_resolve": decision.auto_resolve.value,
    }


def _line(
    batch: _Batch, incident_id: int, kind: Kind, sender: Sender, summary: str, ready: ReadyFacts
) -> None:
    """Put the alert on its incident's line of this kind from this integration."""
    batch.lines.setdefault((incident_id, kind, sender.name), []).append((summary, ready.event_data))


def _events(batch: _Batch) -> list[dict[str, Any]]:
    """One timeline line for each incident, kind and integration of the batch's alerts."""
    return [
        timeline.entry(
            incident_id,
            kind=kind,
            actor=actor,
            at=batch.now,
            now=batch.now,
            text=_line_text(kind, [summary for summary, _ in alerts]),
            data=_line_data([data for _, data in alerts]),  # encoded JSON
        )
        for (incident_id, kind, actor), alerts in batch.lines.items()
    ]


def _line_text(kind: Kind, summaries: list[str]) -> str:
    verb = "firing" if kind == Kind.ALERT else "resolved"
    if len(summaries) == 1:
        return f"Alert {verb}: {clip(summaries[0], 300)}"
    shown = "; ".join(clip(summary, 120) for summary in summaries[:SUMMARIES_SHOWN])
    more = len(summaries) - SUMMARIES_SHOWN
    return f"{len(summaries)} alerts {verb}: {shown}" + (f"; and {more} more" if more > 0 else "")


def _line_data(encoded: list[str]) -> str:
    """One alert's own data; for several, their count and the first ALERTS_LISTED of them
    (JSON put together from each alert's, already encoded)."""
    if len(encoded) == 1:
        return encoded[0]
    listed = ",".join(encoded[:ALERTS_LISTED])
    return f'{{"count":{len(encoded)},"alerts":[{listed}]}}'


def _write(session: Session, batch: _Batch) -> None:
    connection = session.connection()
    statements.INSERT.write(connection, [_ALERT_VALUES(row) for row in batch.new_rows])
    changed = [
        {**f.changes, "id": f.id} for f in batch.firing.values() if f.id is not None and f.changes
    ] + batch.resolved_rows
    by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for change in changed:
        columns = tuple(sorted(k for k in change if k != "id"))
        by_columns.setdefault(columns, []).append((*(change[c] for c in columns), change["id"]))
    for columns, rows in by_columns.items():
        statements.update_alerts(columns).write(connection, rows)
    timeline.append_all(session, _events(batch), data_encoded=True)
