"""/audit (admins): who changed warroom's setup, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.services import audit
from warroom.web import render
from warroom.web.auth import Admin
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
SHOWN = 200


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, _: Admin) -> HTMLResponse:
    with web_state(request).db.read() as session:
        entries = audit.recent(session, limit=SHOWN)
    return render.page(request, "audit.html.j2", entries=entries, shown=SHOWN)
