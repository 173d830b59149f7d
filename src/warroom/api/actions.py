"""/api/v1/actions (viewer) and running one from an incident (the roles the action
names; a mitigation needs `confirm: true`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import StateDep, Viewer
from warroom.domain.access import AccessRole
from warroom.domain.incidents import parse_ref
from warroom.services.actions import runs
from warroom.services.actions.runs import ActionRun

router = APIRouter(prefix="/api/v1", tags=["actions"])


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, str | int] = Field(default_factory=dict)
    confirm: bool = False


@router.get("/actions")
def list_actions(state: StateDep, _: Viewer) -> dict[str, list[dict[str, Any]]]:
    return {
        "items": [
            {
                "name": a.name,
                "title": a.label,
                "kind": a.kind.value,
                "confirm": a.confirm,
                "roles": [r.value for r in a.roles],
                "timeout": a.timeout.total_seconds(),
                "output_cap": a.output_cap,
                "params": {n: p.model_dump(mode="json") for n, p in a.params.items()},
            }
            for a in state.ctx.config.actions
        ]
    }


@router.post("/incidents/{ref}/actions/{name}")
def run_action(ref: str, name: str, body: RunIn, state: StateDep, token: Viewer) -> ActionRun:
    """Run the action (up to its timeout) and answer with its exit status and output,
    which are also on the incident's timeline."""
    return runs.run(
        state.db,
        state.ctx,
        incident_id=parse_ref(ref),
        name=name,
        params=body.params,
        role=AccessRole(token.role),
        actor=token.name,
        confirmed=body.confirm,
    )
