"""The demo's inbox: messages sent to demo contacts (`demo://inbox/NAME`), kept in the
database as the worker records each send, and read back for /demo/inbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import DemoMessage
from warroom.notifiers import demo

SHOWN = 100


def keep(
    session: Session, sent: Iterable[tuple[str | None, dict[str, Any]]], *, now: datetime
) -> int:
    """Keep each sent message whose contact is a demo inbox: (contact URL, job payload)."""
    rows = [
        DemoMessage(
            person=demo.person_of(url),
            subject=payload["subject"],
            body=payload["body"],
            sent_at=now,
        )
        for url, payload in sent
        if url is not None and demo.is_demo(url)
    ]
    session.add_all(rows)
    return len(rows)


def recent(session: Session, *, person: str | None = None, limit: int = SHOWN) -> list[DemoMessage]:
    """The newest messages first, of everyone or of one person."""
    query = select(DemoMessage).order_by(DemoMessage.id.desc()).limit(limit)
    if person:
        query = query.where(DemoMessage.person == person)
    return list(session.scalars(query))
