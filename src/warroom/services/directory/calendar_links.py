"""Private calendar links: a read-only iCalendar URL of one person's shifts (every
schedule, stored overrides included) that a calendar app can subscribe to without
signing in. The token is shown once and stored as SHA-256; making a new link or
turning it off ends the old one at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.db.models import CalendarLink
from warroom.domain import ical
from warroom.errors import NotFound
from warroom.services.context import Context
from warroom.services.directory import lookup, schedule_views

BEFORE = timedelta(days=7)
AFTER = timedelta(days=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def current(session: Session, person: str) -> CalendarLink | None:
    query = select(CalendarLink).where(
        CalendarLink.person == person, CalendarLink.revoked_at.is_(None)
    )
    return session.scalars(query.order_by(CalendarLink.id.desc())).first()


def revoke(session: Session, *, ctx: Context, person: str) -> int:
    """End every link of this person; how many there were."""
    ended = session.execute(
        update(CalendarLink)
        .where(CalendarLink.person == person, CalendarLink.revoked_at.is_(None))
        .values(revoked_at=ctx.clock.now())
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def create(session: Session, *, ctx: Context, person: str) -> str:
    """A new link's token (its earlier links end); returned here and nowhere else."""
    if lookup.person(session, ctx.config, person) is None:
        raise NotFound(f"There is no person named {person!r}.", field="person")
    revoke(session, ctx=ctx, person=person)
    token = "cal_" + secrets.token_urlsafe(32)
    session.add(CalendarLink(person=person, token_hash=_hash(token), created_at=ctx.clock.now()))
    session.flush()
    return token


def feed(session: Session, config: WarroomConfig, token: str, *, now: datetime) -> str:
    """The calendar of the link's person: a week back to two months ahead."""
    found = session.scalars(
        select(CalendarLink).where(
            CalendarLink.token_hash == _hash(token), CalendarLink.revoked_at.is_(None)
        )
    ).first()
    if found is None:
        raise NotFound("This calendar link does not exist or was turned off.", field="token")
    entries = schedule_views.person_shifts(
        session, config, found.person, start=now - BEFORE, end=now + AFTER
    )
    return ical.calendar_of(f"{found.person} on call", entries, now=now)
