"""Similar past incidents: full-text search over the titles, summaries, impact, updates,
post-mortems and alerts of the newest resolved incidents (SQLite FTS5 with BM25, or
PostgreSQL's `ts_rank`), with a bonus for a shared service and shared alert names; each
with how it was resolved and whether it has a post-mortem.

The search runs over the CANDIDATES newest resolved incidents, indexed at query time
(a temporary FTS5 table on SQLite, `to_tsvector` on PostgreSQL): no index to keep in step,
at a cost that stays bounded however long the history grows."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.learning import Postmortem
from warroom.db.models import Alert, Event, Incident
from warroom.db.queries import search
from warroom.domain.durations import format_duration
from warroom.domain.incidents import ref_of
from warroom.services.incidents import lifecycle

CANDIDATES = 1000
SHOWN = 5
MAX_WORDS = 40
TEXT_MATCHES = 50
SERVICE_BONUS = 1.0  # on top of a text score normalised to at most 2
LABEL_BONUS = 0.5  # for each alert name the two share
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)


@dataclass(frozen=True)
class Similar:
    ref: str
    title: str
    severity: str
    service: str | None
    resolved_at: datetime | None
    how: str  # how it was resolved, in a line
    has_postmortem: bool
    score: float


def _words(*texts: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in texts:
        for word in _WORD.findall(part.lower()):
            seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def _alert_names(session: Session, ids: list[int]) -> dict[int, set[str]]:
    names: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(Alert.incident_id, Alert.labels, Alert.summary).where(Alert.incident_id.in_(ids))
    )
    for attached_to, labels, _ in rows:
        name = (labels or {}).get("alertname")
        if name and attached_to is not None:
            names[attached_to].add(str(name))
    return names


def _documents(session: Session, ids: list[int]) -> dict[int, str]:
    """Each candidate's searchable text."""
    parts: dict[int, list[str]] = defaultdict(list)
    for row in session.execute(
        select(Incident.id, Incident.title, Incident.summary, Incident.impact).where(
            Incident.id.in_(ids)
        )
    ):
        parts[row.id].extend((row.title, row.summary, row.impact))
    for incident_id, words in session.execute(
        select(Event.incident_id, Event.text).where(  # what people wrote, not boilerplate
            Event.incident_id.in_(ids),
            Event.kind.in_(("update", "status")),
            ~Event.text.startswith("Status "),
        )
    ):
        parts[incident_id].append(words)
    for incident_id, body in session.execute(
        select(Postmortem.incident_id, Postmortem.body).where(Postmortem.incident_id.in_(ids))
    ):
        parts[incident_id].append(body)
    for attached_to, summary in session.execute(
        select(Alert.incident_id, Alert.summary).where(Alert.incident_id.in_(ids))
    ):
        if attached_to is not None:
            parts[attached_to].append(summary)
    return {incident_id: "\n".join(p for p in texts if p) for incident_id, texts in parts.items()}


def _how(session: Session, incident: Incident) -> str:
    last = session.execute(
        select(Event.text, Event.data)
        .where(Event.incident_id == incident.id, Event.kind == "status")
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(1)
    ).first()
    text, data = last if last is not None else ("", None)
    said = (data or {}).get("message") or text  # older lines hold the message alone
    took = ""
    if incident.resolved_at is not None:
        seconds = round((incident.resolved_at - incident.declared_at).total_seconds())
        took = f"resolved in {format_duration(timedelta(seconds=seconds))}"
    message = said if said and not said.startswith("Status ") else ""
    return ": ".join(part for part in (took, message) if part) or "resolved"


def similar(session: Session, incident_id: int, *, limit: int = SHOWN) -> list[Similar]:
    """The past incidents most like this one, best first (none when nothing matches)."""
    incident = lifecycle.get(session, incident_id)
    ids = list(
        session.scalars(
            select(Incident.id)
            .where(
                Incident.id != incident.id,
                Incident.resolved_at.is_not(None),
                Incident.drill.is_(False),
            )
            .order_by(Incident.id.desc())
            .limit(CANDIDATES)
        )
    )
    if not ids:
        return []
    own_names = _alert_names(session, [incident.id]).get(incident.id, set())
    own = _documents(session, [incident.id]).get(incident.id, "")
    words = _words(incident.title, incident.summary, incident.impact, own, *own_names)
    docs = _documents(session, ids)
    ranked = search.rank(session, docs, words, limit=TEXT_MATCHES) if words and docs else {}
    best = max(ranked.values(), default=0.0) or 1.0
    scores: dict[int, float] = {i: 2.0 * score / best for i, score in ranked.items()}
    same_service: set[int] = set()
    if incident.service:
        same_service = set(
            session.scalars(
                select(Incident.id).where(
                    Incident.id.in_(ids), Incident.service == incident.service
                )
            )
        )
    names = _alert_names(session, ids) if own_names else {}
    for i in set(scores) | same_service | set(names):
        bonus = SERVICE_BONUS * (i in same_service) + LABEL_BONUS * len(
            names.get(i, set()) & own_names
        )
        if i in scores or bonus:
            scores[i] = scores.get(i, 0.0) + bonus
    chosen = sorted(scores, key=lambda i: (-scores[i], -i))[:limit]
    return [_similar(session, i, scores[i]) for i in chosen]


def _similar(session: Session, incident_id: int, score: float) -> Similar:
    incident = lifecycle.get(session, incident_id)
    has_postmortem = session.scalar(
        select(Postmortem.id).where(Postmortem.incident_id == incident_id)
    )
    return Similar(
        ref=ref_of(incident.id),
        title=incident.title,
        severity=incident.severity,
        service=incident.service,
        resolved_at=incident.resolved_at,
        how=_how(session, incident),
        has_postmortem=has_postmortem is not None,
        score=round(score, 3),
    )


def as_dict(item: Similar) -> dict[str, Any]:
    values = dict(item.__dict__)
    values["resolved_at"] = item.resolved_at.isoformat() if item.resolved_at else None
    return values
