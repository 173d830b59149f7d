"""What the dashboard shows: open incidents by severity, who is on call, recent resolutions.

Every query is bounded and rides an index, so the page costs the same with a hundred
incidents or a hundred thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.domain.incidents import Status
from warroom.domain.severities import Severity
from warroom.services.context import Context
from warroom.services.directory import schedule_views, schedules
from warroom.services.incidents.queries import OPEN_LITERAL

# Only what the dashboard shows: a fraction of the row, so loading 80 lines stays cheap.
LINE = (
    Incident.id,
    Incident.title,
    Incident.status,
    Incident.severity,
    Incident.service,
    Incident.commander,
    Incident.declared_at,
    Incident.acknowledged_at,
    Incident.ack_due_at,
    Incident.next_update_due_at,
    Incident.resolved_at,
    Incident.updated_at,
)
PER_SEVERITY = 20  # rows shown per severity; the rest are a link to the filtered list
RECENT = 8


@dataclass(frozen=True)
class Group:
    level: Severity
    total: int
    items: Sequence[Any]  # rows of the LINE columns


@dataclass(frozen=True)
class Board:
    groups: list[Group]
    open_total: int
    recent: list[Any]
    on_call: list[schedules.OnCallRead]


def open_groups(session: Session, ctx: Context) -> list[Group]:
    counts = dict(
        session.execute(
            select(Incident.severity, func.count())
            .where(Incident.status.in_(OPEN_LITERAL))
            .group_by(Incident.severity)
        ).all()
    )
    groups = []
    for level in ctx.config.severities:
        total = int(counts.get(level.id, 0))
        if not total:
            continue
        groups.append(Group(level, total, _lines(session, level.id)))
    return groups


def _lines(session: Session, level: str) -> list[Any]:
    """A level's open incidents to show: unacknowledged (triggered) ones first, each part
    newest first; two bounded queries, each served by an index."""
    waiting = (  # "open and triggered": so the planner takes the partial index of open ones
        select(*LINE)
        .where(
            Incident.status.in_(OPEN_LITERAL),
            Incident.status == Status.TRIGGERED.value,
            Incident.severity == level,
        )
        .order_by(Incident.id.desc())
        .limit(PER_SEVERITY)
    )
    rows = list(session.execute(waiting).all())
    if len(rows) < PER_SEVERITY:
        others = (
            select(*LINE)
            .where(
                Incident.status.in_(OPEN_LITERAL),
                Incident.status != Status.TRIGGERED.value,
                Incident.severity == level,
            )
            .order_by(Incident.id.desc())
            .limit(PER_SEVERITY - len(rows))
        )
        rows += session.execute(others).all()
    return rows


def recently_resolved(session: Session, limit: int = RECENT) -> list[Any]:
    """The latest resolutions: the newest resolved and closed incidents (by id, which the
    status indexes serve), ordered by when they were resolved."""
    rows: list[Any] = []
    for status in (Status.RESOLVED, Status.CLOSED):
        query = (
            select(*LINE)
            .where(Incident.status == status.value)
            .order_by(Incident.id.desc())
            .limit(limit)
        )
        rows += session.execute(query).all()
    rows.sort(key=lambda i: i.resolved_at or i.updated_at, reverse=True)
    return rows[:limit]


def board(session: Session, *, ctx: Context) -> Board:
    groups = open_groups(session, ctx)
    return Board(
        groups=groups,
        open_total=sum(g.total for g in groups),
        recent=recently_resolved(session),
        on_call=schedule_views.overview(session, ctx.config, ctx.clock.now()),
    )
