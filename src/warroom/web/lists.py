"""/incidents: the list, filtered by status, severity, service and text, in pages."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.domain.incidents import ORDER
from warroom.errors import WarroomError
from warroom.services.incidents import queries
from warroom.services.incidents.views import incident_view
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/incidents")
def list_incidents(
    request: Request,
    _: SignedIn,
    status: str = "open",
    severity: str = "",
    service: str = "",
    q: str = "",
    cursor: str = "",
) -> HTMLResponse:
    state = web_state(request)
    filters = {"status": status, "severity": severity, "service": service, "q": q}
    errors: dict[str, str] = {}
    items, next_cursor = [], None
    try:
        with state.db.read() as session:
            page = queries.list_incidents(
                session,
                ctx=state.ctx,
                status=status or "all",
                severity=severity or None,
                service=service or None,
                text=q,
                limit=PAGE,
                cursor=cursor or None,
                by_declared=True,
            )
            items = [incident_view(i) for i in page.items]
            next_cursor = page.next_cursor
    except WarroomError as exc:
        errors[exc.field or "form"] = exc.message
    next_url = (
        f"/incidents?{urlencode({**filters, 'cursor': next_cursor})}" if next_cursor else None
    )
    return render.page(
        request,
        "list.html.j2",
        status=422 if errors else 200,
        items=items,
        filters=filters,
        errors=errors,
        statuses=["open", "all", *ORDER],
        levels=state.ctx.config.severities,
        services=state.ctx.config.services,
        next_url=next_url,
        first_url="/incidents?" + urlencode(filters) if cursor else None,
    )
