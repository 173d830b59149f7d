"""/: open incidents by severity with their deadlines, who is on call, recent resolutions,
and the upstream vendors' status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.services.incidents import dashboard
from warroom.services.status import upstreams
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, _: SignedIn) -> HTMLResponse:
    state = web_state(request)
    with state.db.read() as session:
        board = dashboard.board(session, ctx=state.ctx)
        vendors = upstreams.board(session, state.ctx)
        return render.page(request, "dashboard.html.j2", board=board, vendors=vendors)
