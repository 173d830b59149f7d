"""/api/v1/incidents/{ref}/checklist: read it (viewer), tick an item (responder)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from warroom.api.deps import Responder, StateDep, Viewer
from warroom.domain.incidents import parse_ref
from warroom.services.checklists import items
from warroom.services.checklists.items import ItemRead

router = APIRouter(prefix="/api/v1/incidents", tags=["checklists"])


class TickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done: bool = True


@router.get("/{ref}/checklist")
def checklist(ref: str, state: StateDep, _: Viewer) -> dict[str, list[ItemRead]]:
    with state.db.read() as session:
        found = items.checklist(session, ctx=state.ctx, incident_id=parse_ref(ref))
    return {"items": found}


@router.post("/{ref}/checklist/{item}")
def tick(ref: str, item: str, body: TickIn, state: StateDep, token: Responder) -> ItemRead:
    """Tick (or, with `done: false`, untick) an item: `KEY` or `PHASE.KEY`."""
    with state.db.write.begin() as session:
        return items.tick(
            session,
            ctx=state.ctx,
            incident_id=parse_ref(ref),
            item=item,
            actor=token.name,
            done=body.done,
        )
