"""/api/v1/incidents/{ref}/page: page a person, a team or a schedule's on-call about an
incident, through the same outbox as escalation, recorded on the timeline."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import Responder, StateDep
from warroom.domain.incidents import parse_ref, ref_of
from warroom.services.paging import manual

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


class PageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(description="person:NAME, team:NAME or schedule:NAME")


class PagedOut(BaseModel):
    incident: str
    target: str
    paged: list[str]


@router.post("/{ref}/page", response_model=PagedOut)
def page_someone(ref: str, body: PageIn, state: StateDep, token: Responder) -> PagedOut:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        reached = manual.page_target(
            session, ctx=state.ctx, actor=token.name, incident_id=incident_id, target=body.target
        )
    return PagedOut(incident=ref_of(incident_id), target=body.target, paged=reached)
