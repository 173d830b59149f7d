"""Adding, changing and removing the people stored in the database (the API and CLI way),
validated exactly as the config file validates its people."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import PersonRow, TeamRow
from warroom.domain.people import Person
from warroom.errors import Conflict, Invalid, NotFound
from warroom.notifiers import check_url
from warroom.services import audit
from warroom.services.context import Context
from warroom.services.directory import lookup

EDITABLE = ("email", "timezone", "contacts")


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def validated(fields: dict[str, Any]) -> Person:
    """A Person as the config would accept it, or Invalid naming the first bad field."""
    try:
        person = Person.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _location(tuple(error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{where}: {message}.", field=where) from None
    email = person.email
    if email is not None and (len(email) > 254 or "@" not in email.strip("@")):
        raise Invalid(f"email: {email!r} is not an email address.", field="email")
    for n, url in enumerate(person.contacts):
        reason = check_url(url)
        if reason:
            raise Invalid(f"contacts[{n}]: {reason}.", field=f"contacts[{n}]")
    return person


def _refuse_config_name(ctx: Context, name: str) -> None:
    if lookup.in_config(ctx.config, "person", name):
        raise Conflict(f"{name!r} is a person in the config file; change them there.", field="name")


def stored(session: Session, ctx: Context, name: str) -> PersonRow:
    """A stored person, or why not: in the config file (409) or unknown (404)."""
    _refuse_config_name(ctx, name)
    row = session.scalar(select(PersonRow).where(PersonRow.name == name))
    if row is None:
        raise NotFound(f"There is no person named {name!r}.", field="name")
    return row


def add(session: Session, *, ctx: Context, actor: str, fields: dict[str, Any]) -> PersonRow:
    person = validated(fields)
    _refuse_config_name(ctx, person.name)
    if lookup.person_row(session, person.name) is not None:
        raise Conflict(f"a person named {person.name!r} already exists.", field="name")
    now = ctx.clock.now()
    row = PersonRow(
        name=person.name,
        email=person.email,
        timezone=person.timezone,
        contacts=list(person.contacts),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(session, ctx=ctx, actor=actor, action="person.add", subject=row.name)
    return row


def update(
    session: Session, *, ctx: Context, actor: str, name: str, changes: dict[str, Any]
) -> PersonRow:
    """Change email, timezone or contacts (contacts are replaced as a whole)."""
    row = stored(session, ctx, name)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(f"{unknown[0]}: cannot be changed here.", field=unknown[0])
    current = {"name": row.name, "email": row.email, "timezone": row.timezone}
    person = validated({**current, "contacts": row.contacts, **changes})
    row.email, row.timezone, row.contacts = person.email, person.timezone, list(person.contacts)
    row.updated_at = ctx.clock.now()
    audit.record(session, ctx=ctx, actor=actor, action="person.update", subject=row.name)
    return row


def remove(session: Session, *, ctx: Context, actor: str, name: str) -> PersonRow:
    """Remove a stored person (and with them their web sign-in); refused while a stored
    team still lists them."""
    row = stored(session, ctx, name)
    for team in session.scalars(select(TeamRow).order_by(TeamRow.name)):
        if row.name in team.members:
            raise Conflict(
                f"{row.name} is a member of team {team.name}; take them out of it first.",
                field="name",
            )
    session.delete(row)
    audit.record(session, ctx=ctx, actor=actor, action="person.remove", subject=row.name)
    return row
