"""What a reader sees of people and teams: names, time zones and where each contact goes,
never a contact URL (it may carry a token) and never a password hash."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.db.models import PersonRow
from warroom.services.directory import lookup
from warroom.services.paging import deliveries


class ContactRead(BaseModel):
    id: str  # a hash of the URL: the same in deliveries
    channel: str  # e.g. "slack", "json (127.0.0.1)"
    disabled: bool  # failed for good; paging skips it until it is changed


class PersonRead(BaseModel):
    name: str
    source: str  # "config" (the config file) or "api" (stored)
    email: str | None
    timezone: str
    contacts: list[ContactRead]
    role: str | None  # web sign-in role, for stored people
    disabled_at: datetime | None


class TeamRead(BaseModel):
    name: str
    source: str
    members: list[str]


def person_view(
    session: Session, listed: lookup.Listed, off: set[str] | None = None
) -> PersonRead:
    """A person as readers see them; `off`: their disabled contact URLs, if already read."""
    assert listed.person is not None
    person = listed.person
    row = listed.row if isinstance(listed.row, PersonRow) else None
    if off is None:
        off = deliveries.disabled_urls(session, person.name)
    return PersonRead(
        name=person.name,
        source=listed.source,
        email=person.email,
        timezone=person.timezone,
        contacts=[
            ContactRead(
                id=deliveries.contact_id(url),
                channel=deliveries.channel_of(url),
                disabled=url in off,
            )
            for url in person.contacts
        ],
        role=row.role if row else None,
        disabled_at=row.disabled_at if row else None,
    )


def people_views(session: Session, config: WarroomConfig) -> list[PersonRead]:
    """Everyone warroom can page (config and stored), their disabled contacts read at once."""
    listed = lookup.people(session, config)
    names = [item.person.name for item in listed if item.person is not None]
    off = deliveries.disabled_by_person(session, names)
    return [
        person_view(session, item, off.get(item.person.name, set()))
        for item in listed
        if item.person is not None
    ]


def team_view(listed: lookup.Listed) -> TeamRead:
    assert listed.team is not None
    return TeamRead(name=listed.team.name, source=listed.source, members=list(listed.team.members))


def stored_person(session: Session, row: PersonRow) -> PersonRead:
    return person_view(
        session, lookup.Listed(source="api", person=lookup.as_person(row), row=row)
    )


def find_person(session: Session, config: WarroomConfig, name: str) -> PersonRead | None:
    """A person of the config or a stored one (disabled ones too), by exact name."""
    found = config.person(name)
    if found is not None:
        return person_view(session, lookup.Listed(source="config", person=found))
    row = session.scalar(select(PersonRow).where(PersonRow.name == name))
    return stored_person(session, row) if row is not None else None


def find_team(session: Session, config: WarroomConfig, name: str) -> TeamRead | None:
    found = lookup.team(session, config, name)
    if found is None:
        return None
    source: lookup.Source = "config" if lookup.in_config(config, "team", name) else "api"
    return team_view(lookup.Listed(source=source, team=found))
