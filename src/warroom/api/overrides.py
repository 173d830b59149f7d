"""/api/v1/schedules/{name}/overrides: cover a schedule for a while (stored beside the
config's schedules), list the overrides, remove one (kept on record, with who removed it)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict

from warroom.api.deps import Responder, StateDep, Viewer
from warroom.errors import NotFound
from warroom.services.directory import overrides, schedules
from warroom.services.directory.overrides import OverrideRead

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str = ""


@router.get("/{name}/overrides")
def list_overrides(
    name: str, state: StateDep, _: Viewer, include_past: bool = False
) -> dict[str, list[OverrideRead]]:
    """The schedule's overrides still to come or under way (`include_past`: every one)."""
    schedule = schedules.find(state.ctx.config, name)
    with state.db.read() as session:
        rows = overrides.list_overrides(
            session, schedule=schedule.name, include_past=include_past, now=state.ctx.clock.now()
        )
        return {"items": [overrides.override_view(r) for r in rows]}


@router.post("/{name}/overrides", status_code=201)
def add_override(name: str, body: OverrideIn, state: StateDep, token: Responder) -> OverrideRead:
    with state.db.write.begin() as session:
        row = overrides.add(
            session,
            ctx=state.ctx,
            actor=token.name,
            schedule=name,
            person=body.person,
            start=body.start,
            end=body.end,
            reason=body.reason,
        )
        return overrides.override_view(row)


@router.delete("/{name}/overrides/{override_id}")
def remove_override(name: str, override_id: int, state: StateDep, token: Responder) -> OverrideRead:
    with state.db.write.begin() as session:
        row = overrides.remove(session, ctx=state.ctx, actor=token.name, override_id=override_id)
        if row.schedule != name:
            raise NotFound(f"Override {override_id} is not on schedule {name!r}.", field="id")
        return overrides.override_view(row)
