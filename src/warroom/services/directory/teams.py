"""Adding, changing and removing the teams stored in the database. A stored team may list
config people and stored people; config teams stay in the config file."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import TeamRow
from warroom.domain.people import Team
from warroom.errors import Conflict, Invalid, NotFound
from warroom.services import audit
from warroom.services.context import Context
from warroom.services.directory import lookup


def validated(session: Session, ctx: Context, name: str, members: Sequence[str]) -> Team:
    try:
        team = Team(name=name, members=tuple(dict.fromkeys(m.strip() for m in members)))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = str(error["loc"][0]) if error["loc"] else "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise Invalid(f"{where}: {message}.", field=where) from None
    for member in team.members:
        if lookup.person(session, ctx.config, member) is None:
            raise Invalid(f"members: {member!r} is not a person warroom knows.", field="members")
    return team


def _refuse_config_name(ctx: Context, name: str) -> None:
    if lookup.in_config(ctx.config, "team", name):
        raise Conflict(f"{name!r} is a team in the config file; change it there.", field="name")


def stored(session: Session, ctx: Context, name: str) -> TeamRow:
    _refuse_config_name(ctx, name)
    row = session.scalar(select(TeamRow).where(TeamRow.name == name))
    if row is None:
        raise NotFound(f"There is no team named {name!r}.", field="name")
    return row


def add(
    session: Session, *, ctx: Context, actor: str, name: str, members: Sequence[str]
) -> TeamRow:
    team = validated(session, ctx, name, members)
    _refuse_config_name(ctx, team.name)
    if lookup.team_row(session, team.name) is not None:
        raise Conflict(f"a team named {team.name!r} already exists.", field="name")
    now = ctx.clock.now()
    row = TeamRow(name=team.name, members=list(team.members), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, ctx=ctx, actor=actor, action="team.add", subject=row.name)
    return row


def update(
    session: Session, *, ctx: Context, actor: str, name: str, members: Sequence[str]
) -> TeamRow:
    """Replace the team's members."""
    row = stored(session, ctx, name)
    team = validated(session, ctx, row.name, members)
    row.members = list(team.members)
    row.updated_at = ctx.clock.now()
    audit.record(session, ctx=ctx, actor=actor, action="team.update", subject=row.name)
    return row


def remove(session: Session, *, ctx: Context, actor: str, name: str) -> TeamRow:
    row = stored(session, ctx, name)
    session.delete(row)
    audit.record(session, ctx=ctx, actor=actor, action="team.remove", subject=row.name)
    return row
