"""The runbooks that fit an incident, best first: by its service, its alerts' labels,
the words of its title and alerts, and its level."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Alert, Incident
from warroom.domain.runbooks import Match, Runbook, Subject, rank
from warroom.services.context import Context
from warroom.services.incidents.lifecycle import get
from warroom.services.runbooks.library import load

ALERTS_READ = 200  # the newest alerts of an incident taken into account


@dataclass(frozen=True, slots=True)
class RunbookRead:
    ref: str
    title: str
    services: list[str]
    alerts: list[str]
    tags: list[str]
    severity: str | None
    source: str
    body: str


@dataclass(frozen=True, slots=True)
class MatchRead:
    score: int
    reasons: list[str]
    runbook: RunbookRead


def describe(runbook: Runbook) -> RunbookRead:
    return RunbookRead(
        ref=runbook.ref,
        title=runbook.title,
        services=list(runbook.services),
        alerts=[str(m) for m in runbook.alerts],
        tags=list(runbook.tags),
        severity=runbook.severity,
        source=runbook.source,
        body=runbook.body,
    )


def subject_of(session: Session, incident: Incident) -> Subject:
    rows = session.execute(
        select(Alert.labels, Alert.summary)
        .where(Alert.incident_id == incident.id)
        .order_by(Alert.id.desc())
        .limit(ALERTS_READ)
    ).all()
    return Subject.of(
        service=incident.service,
        severity=incident.severity,
        alert_labels=[labels or {} for labels, _ in rows],
        texts=[incident.title, *(summary for _, summary in rows)],
    )


def for_incident(session: Session, *, ctx: Context, incident_id: int) -> list[Match]:
    incident = get(session, incident_id)
    return rank(load(ctx.config.runbooks_dir).runbooks, subject_of(session, incident))


def read_matches(matches: list[Match]) -> list[MatchRead]:
    return [MatchRead(m.score, list(m.reasons), describe(m.runbook)) for m in matches]
