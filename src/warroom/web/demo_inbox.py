"""/demo/inbox (the demo only): the messages warroom sent to the demo's people, newest
first, with their acknowledge links to click: paging seen from the receiving end."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.errors import NotFound
from warroom.services import demo_inbox
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.errors import PageRefused
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
LINK = re.compile(r"https?://[^\s<>\"')]+")


def pieces(body: str) -> list[tuple[str, bool]]:
    """The body as (text, is_link) pieces, so links are shown clickable and text escaped."""
    found: list[tuple[str, bool]] = []
    last = 0
    for match in LINK.finditer(body):
        found += [(body[last : match.start()], False), (match.group(), True)]
        last = match.end()
    return [*found, (body[last:], False)]


@router.get("/demo/inbox")
def inbox_page(request: Request, _: SignedIn, person: str = "") -> HTMLResponse:
    state = web_state(request)
    config = state.ctx.config
    if not config.demo:
        raise PageRefused(
            NotFound("The demo inbox exists only in the demo (warroom serve --demo).")
        )
    with state.db.read() as session:
        messages = [
            (message, pieces(message.body))
            for message in demo_inbox.recent(session, person=person or None)
        ]
    return render.page(
        request,
        "demo_inbox.html.j2",
        messages=messages,
        people=[p.name for p in config.people],
        chosen=person,
    )
