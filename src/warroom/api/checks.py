"""/api/v1/checks: each health check's state, last result, recent latencies and uptime."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.api.deps import StateDep, Viewer
from warroom.services.checks import views
from warroom.services.checks.views import CheckRead

router = APIRouter(prefix="/api/v1", tags=["checks"])


@router.get("/checks")
def list_checks(state: StateDep, _: Viewer) -> dict[str, list[CheckRead]]:
    with state.db.read() as session:
        return {"items": views.list_checks(session, ctx=state.ctx)}
