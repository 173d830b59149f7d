"""/api/v1/reports: MTTA, MTTR, time to mitigate and detect, counts and SLA compliance
over a range, grouped; as JSON, or CSV with `format=csv`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from warroom.api.deps import StateDep, Viewer
from warroom.services.reports import figures, ranges, tables

router = APIRouter(prefix="/api/v1", tags=["reports"])


@router.get("/reports", response_model=None)
def report(
    state: StateDep,
    _: Viewer,
    since: Annotated[str | None, Query(description="90d, 2026-10-01 or an ISO time")] = None,
    until: Annotated[str | None, Query(description="default: now")] = None,
    by: Annotated[str, Query(description="severity, service, month, commander, total")] = "total",
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> dict[str, Any] | Response:
    """Incidents declared in [since, until), drills left out; default the last 90 days."""
    grouping = figures.parse_by(by)
    start, end = ranges.span(state.ctx.clock.now(), since, until)
    with state.db.read() as session:
        made = figures.report(session, ctx=state.ctx, since=start, until=end, by=grouping)
    if format == "csv":
        return Response(tables.csv_text(made), media_type="text/csv; charset=utf-8")
    return made.as_dict()
