"""Everyone warroom can reach: people and teams from the config file and from the
`people`/`teams` tables (added through the API or CLI), looked up here and nowhere else.

The config file wins a name: the API refuses to add a name the config already has, and a
config edit that later takes a stored name hides the stored row. A stored person whose
`disabled_at` is set is left out (they cannot be paged and cannot sign in).

Config policies, schedules and escalation targets may only name config people, teams and
schedules (`warroom config check` can see those, not the database). Stored teams may name
anyone in the directory; stored people are reached by name: as members of stored teams,
as incident roles (the commander's update reminders), by `notify test`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.config import WarroomConfig
from warroom.db.models import PersonRow, TeamRow
from warroom.domain.people import Person, Team, parse_target
from warroom.domain.schedules import Schedule, on_call
from warroom.errors import Invalid
from warroom.services.directory import cover

Source = Literal["config", "api"]


@dataclass(frozen=True, slots=True)
class Listed:
    """A person or team with where it is defined; `row` only for stored ones."""

    source: Source
    person: Person | None = None
    team: Team | None = None
    row: PersonRow | TeamRow | None = None


def as_person(row: PersonRow) -> Person:
    return Person(
        name=row.name, email=row.email, timezone=row.timezone, contacts=tuple(row.contacts)
    )


def as_team(row: TeamRow) -> Team:
    return Team(name=row.name, members=tuple(row.members))


def person_row(session: Session, name: str) -> PersonRow | None:
    return session.scalar(select(PersonRow).where(func.lower(PersonRow.name) == name.lower()))


def team_row(session: Session, name: str) -> TeamRow | None:
    return session.scalar(select(TeamRow).where(func.lower(TeamRow.name) == name.lower()))


def person(session: Session, config: WarroomConfig, name: str) -> Person | None:
    """The person of this name: from the config, else a stored one that is not disabled."""
    found = config.person(name)
    if found is not None:
        return found
    row = session.scalar(select(PersonRow).where(PersonRow.name == name))
    return as_person(row) if row is not None and row.disabled_at is None else None


def vet_person(session: Session, config: WarroomConfig, name: str, *, field: str) -> str | None:
    """None when `name` is a person warroom knows. Otherwise, with a config that lists
    people, refused (naming the people it knows); without one, a warning to show."""
    if person(session, config, name) is not None:
        return None
    if config.people:
        stored = session.scalars(select(PersonRow.name).where(PersonRow.disabled_at.is_(None)))
        known = ", ".join(sorted({p.name for p in config.people} | set(stored)))
        raise Invalid(f"{name!r} is not a person warroom knows: {known}.", field=field)
    return f"{name!r} is not a person warroom knows (the config lists no people)"


def team(session: Session, config: WarroomConfig, name: str) -> Team | None:
    found = next((t for t in config.teams if t.name == name), None)
    if found is not None:
        return found
    row = session.scalar(select(TeamRow).where(TeamRow.name == name))
    return as_team(row) if row is not None else None


def schedule(config: WarroomConfig, name: str) -> Schedule | None:
    """Schedules live in the config file only."""
    return next((s for s in config.schedules if s.name == name), None)


def in_config(config: WarroomConfig, kind: Literal["person", "team"], name: str) -> bool:
    names = config.people if kind == "person" else config.teams
    return any(item.name.lower() == name.lower() for item in names)


def people(session: Session, config: WarroomConfig) -> list[Listed]:
    """Everyone, config people first, then stored ones by name (disabled ones included)."""
    listed = [Listed(source="config", person=p) for p in config.people]
    taken = {p.name.lower() for p in config.people}
    for row in session.scalars(select(PersonRow).order_by(PersonRow.name)):
        if row.name.lower() not in taken:
            listed.append(Listed(source="api", person=as_person(row), row=row))
    return listed


def teams(session: Session, config: WarroomConfig) -> list[Listed]:
    listed = [Listed(source="config", team=t) for t in config.teams]
    taken = {t.name.lower() for t in config.teams}
    for row in session.scalars(select(TeamRow).order_by(TeamRow.name)):
        if row.name.lower() not in taken:
            listed.append(Listed(source="api", team=as_team(row), row=row))
    return listed


def resolve(
    session: Session, config: WarroomConfig, targets: list[str], at: datetime
) -> tuple[list[str], list[str]]:
    """The people behind targets at this moment, and notes on targets that reach nobody."""
    names: list[str] = []
    notes: list[str] = []
    for target in targets:
        kind, name = parse_target(target)
        found: list[str] = []
        if kind == "person":
            found = [name]
        elif kind == "team":
            group = team(session, config, name)
            found = list(group.members) if group else []
        else:
            rotation = schedule(config, name)
            rotation = cover.with_stored(session, rotation, since=at) if rotation else None
            who = on_call(rotation, at).person if rotation else None
            found = [who] if who else []
        if not found:
            notes.append(f"{target} has nobody")
        names += [n for n in found if n not in names]
    return names, notes
