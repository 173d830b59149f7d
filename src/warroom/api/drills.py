"""/api/v1/drills: start a drill (responder); how long an incident took to page and to
be acknowledged (viewer)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import Responder, StateDep, Viewer
from warroom.domain.incidents import parse_ref
from warroom.services.drills import runs
from warroom.services.drills.runs import DrillTimes

router = APIRouter(prefix="/api/v1", tags=["drills"])


class DrillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service: str | None = Field(default=None, max_length=80)
    severity: str | None = Field(default=None, max_length=16)


@router.post("/drills", status_code=201)
def start_drill(body: DrillIn, state: StateDep, token: Responder) -> DrillTimes:
    """Send a synthetic alert through the ingest path; its incident is marked a drill."""
    with state.db.write.begin() as session:
        incident_id = runs.start(
            session, ctx=state.ctx, service=body.service, severity=body.severity, actor=token.name
        )
        return runs.times(session, incident_id)


@router.get("/incidents/{ref}/drill")
def drill_times(ref: str, state: StateDep, _: Viewer) -> DrillTimes:
    """Seconds from the alert to the first page sent and to the acknowledgement."""
    with state.db.read() as session:
        return runs.times(session, parse_ref(ref))
