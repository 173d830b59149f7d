"""/api/v1/duties: what is due and who did it (viewer); mark one done (responder)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from warroom.api.deps import Responder, StateDep, Viewer
from warroom.services.duties import board
from warroom.services.duties.board import DutyRead

router = APIRouter(prefix="/api/v1/duties", tags=["duties"])


class DoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = ""


@router.get("")
def list_duties(state: StateDep, _: Viewer) -> dict[str, list[DutyRead]]:
    with state.db.read() as session:
        return {"items": board.board(session, ctx=state.ctx)}


@router.post("/{name}/done")
def mark_done(name: str, body: DoneIn, state: StateDep, token: Responder) -> DutyRead:
    """Record that the token's holder did this duty for its current period."""
    with state.db.write.begin() as session:
        return board.mark_done(session, ctx=state.ctx, name=name, actor=token.name, note=body.note)
