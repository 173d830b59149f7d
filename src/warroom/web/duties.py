"""/duties: what is due this day, week and month, who is on call for it, who did it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.errors import WarroomError
from warroom.services.duties import board
from warroom.web import render
from warroom.web.auth import Acting, SignedIn
from warroom.web.rooms import Problem
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)


def _page(request: Request, *, status: int = 200, problem: Problem | None = None) -> HTMLResponse:
    state = web_state(request)
    with state.db.read() as session:
        duties = board.board(session, ctx=state.ctx)
    return render.page(request, "duties.html.j2", status=status, duties=duties, problem=problem)


@router.get("/duties")
def duties_page(request: Request, _: SignedIn) -> HTMLResponse:
    return _page(request)


@router.post("/duties/{name}/done")
def mark_done(
    name: str, request: Request, who: Acting, note: Annotated[str, Form()] = ""
) -> Response:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            board.mark_done(session, ctx=state.ctx, name=name, actor=who.name, note=note)
    except WarroomError as exc:
        problem = Problem(f"duty-{name}", exc.field, exc.message, {"note": note})
        return _page(request, status=exc.status, problem=problem)
    return RedirectResponse("/duties", status_code=303)
