"""The timeline as the room shows it: newest first, filtered, in pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warroom.db.models import Event
from warroom.domain.room_rules import TIMELINE_FILTERS, parse_filter
from warroom.services.incidents.views import EventRead, event_view

PAGE_SIZE = 100


@dataclass(frozen=True)
class TimelinePage:
    events: list[EventRead]
    show: str
    page: int  # 1 is the newest
    pages: int
    total: int


def _filtered(query: Select[Any], show: str) -> Select[Any]:
    if show == "public":
        return query.where(Event.visibility == "public")
    kinds = TIMELINE_FILTERS[show]
    return query.where(Event.kind.in_(kinds)) if kinds else query


def timeline_page(
    session: Session, *, incident_id: int, show: str = "all", page: int = 1, size: int = PAGE_SIZE
) -> TimelinePage:
    """One page of the incident's timeline under a filter (unknown filters show all)."""
    show = parse_filter(show)
    base = select(Event).where(Event.incident_id == incident_id)
    counted = _filtered(select(func.count()).select_from(Event), show)
    total = int(session.scalar(counted.where(Event.incident_id == incident_id)) or 0)
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    query = (
        _filtered(base, show)
        .order_by(Event.at.desc(), Event.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    events = [event_view(e) for e in session.scalars(query)]
    return TimelinePage(events, show, page, pages, total)
