"""/api/v1/deliveries: the notifications warroom queued and how each went (viewer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.api.deps import StateDep, Viewer
from warroom.domain.incidents import parse_ref
from warroom.services.paging import deliveries
from warroom.services.paging.deliveries import DeliveryRead

router = APIRouter(prefix="/api/v1", tags=["paging"])


@router.get("/deliveries")
def list_deliveries(
    state: StateDep,
    _: Viewer,
    incident: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, list[DeliveryRead]]:
    incident_id = parse_ref(incident) if incident else None
    with state.db.read() as session:
        rows = deliveries.list_deliveries(
            session, incident_id=incident_id, status=status, limit=limit
        )
        return {"items": [deliveries.describe(job) for job in rows]}
