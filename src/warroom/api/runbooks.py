"""/api/v1/runbooks and the runbooks matched to an incident (viewer)."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.api.deps import StateDep, Viewer
from warroom.domain.incidents import parse_ref
from warroom.services.runbooks import library, matching
from warroom.services.runbooks.matching import MatchRead, RunbookRead

router = APIRouter(prefix="/api/v1", tags=["runbooks"])


@router.get("/runbooks")
def list_runbooks(state: StateDep, _: Viewer) -> dict[str, list[RunbookRead]]:
    loaded = library.load(state.ctx.config.runbooks_dir)
    return {"items": [matching.describe(r) for r in loaded.runbooks]}


@router.get("/runbooks/{ref}")
def show_runbook(ref: str, state: StateDep, _: Viewer) -> RunbookRead:
    return matching.describe(library.load(state.ctx.config.runbooks_dir).get(ref))


@router.get("/incidents/{ref}/runbooks")
def incident_runbooks(ref: str, state: StateDep, _: Viewer) -> dict[str, list[MatchRead]]:
    """The runbooks that fit the incident, best first, with why each fits."""
    with state.db.read() as session:
        found = matching.for_incident(session, ctx=state.ctx, incident_id=parse_ref(ref))
    return {"items": matching.read_matches(found)}
