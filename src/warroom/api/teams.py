"""/api/v1/teams: config teams and stored ones. Reading needs a viewer; changing an admin."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import Admin, StateDep, Viewer
from warroom.errors import NotFound
from warroom.services.directory import lookup, teams
from warroom.services.directory.views import TeamRead, find_team, team_view

router = APIRouter(prefix="/api/v1", tags=["people"])


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=80)
    members: list[str] = Field(max_length=500)


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members: list[str] = Field(max_length=500)


def _stored(name: str, members: list[str]) -> TeamRead:
    return TeamRead(name=name, source="api", members=members)


@router.get("/teams")
def list_teams(state: StateDep, _: Viewer) -> dict[str, list[TeamRead]]:
    with state.db.read() as session:
        return {"items": [team_view(t) for t in lookup.teams(session, state.ctx.config)]}


@router.post("/teams", status_code=201)
def add_team(body: TeamCreate, state: StateDep, token: Admin) -> TeamRead:
    with state.db.write.begin() as session:
        row = teams.add(
            session, ctx=state.ctx, actor=token.name, name=body.name, members=body.members
        )
        return _stored(row.name, row.members)


@router.get("/teams/{name}")
def get_team(name: str, state: StateDep, _: Viewer) -> TeamRead:
    with state.db.read() as session:
        found = find_team(session, state.ctx.config, name)
    if found is None:
        raise NotFound(f"There is no team named {name!r}.", field="name")
    return found


@router.patch("/teams/{name}")
def change_team(name: str, body: TeamUpdate, state: StateDep, token: Admin) -> TeamRead:
    with state.db.write.begin() as session:
        row = teams.update(
            session, ctx=state.ctx, actor=token.name, name=name, members=body.members
        )
        return _stored(row.name, row.members)


@router.delete("/teams/{name}")
def remove_team(name: str, state: StateDep, token: Admin) -> TeamRead:
    with state.db.write.begin() as session:
        row = teams.remove(session, ctx=state.ctx, actor=token.name, name=name)
        return _stored(row.name, row.members)
