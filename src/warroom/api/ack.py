"""/ack/{token}: the one-click acknowledge link in a page. GET shows what will be
acknowledged (so a link preview in a chat app acknowledges nothing); POST does it."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from warroom.api.deps import StateDep
from warroom.domain.incidents import ref_of
from warroom.domain.page_headers import PAGE_HEADERS
from warroom.errors import WarroomError
from warroom.services.paging import ack_links

router = APIRouter(tags=["paging"], include_in_schema=False)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<link rel="stylesheet" href="/ack.css"></head><body><h1>{title}</h1>{content}</body></html>"""
STYLE = """body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;
color:#111}button{font-size:1.1rem;padding:.6rem 1.4rem;background:#b00020;color:#fff;
border:0;border-radius:.3rem}"""


def _page(title: str, content: str, status: int = 200) -> HTMLResponse:
    """The page with the web UI's headers: its own style sheet only, never framed or cached
    (it names an incident and whom the link acknowledges as)."""
    return HTMLResponse(
        PAGE.format(title=escape(title), content=content),
        status_code=status,
        headers=PAGE_HEADERS,
    )


@router.get("/ack.css")
def style() -> Response:
    return Response(
        STYLE,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/ack/{token}")
def confirm(token: str, state: StateDep) -> HTMLResponse:
    try:
        with state.db.read() as session:
            link, incident = ack_links.find(session, ctx=state.ctx, token=token)
    except WarroomError as exc:
        return _page("Link not usable", f"<p>{escape(exc.message)}</p>", exc.status)
    ref = ref_of(incident.id)
    return _page(
        f"Acknowledge {ref}?",
        f"<p><strong>[{escape(incident.severity)}] {escape(incident.title)}</strong></p>"
        f"<p>Status: {escape(incident.status)}. You are acknowledging as "
        f"<strong>{escape(link.person)}</strong>.</p>"
        f'<form method="post"><button type="submit">Acknowledge</button></form>',
    )


@router.post("/ack/{token}")
def acknowledge(token: str, state: StateDep) -> HTMLResponse:
    try:
        with state.db.write.begin() as session:
            incident, now = ack_links.redeem(session, ctx=state.ctx, token=token)
            ref, status = ref_of(incident.id), incident.status
    except WarroomError as exc:
        return _page("Link not usable", f"<p>{escape(exc.message)}</p>", exc.status)
    if now:
        return _page(f"{ref} acknowledged", "<p>Escalation has stopped. Thank you.</p>")
    return _page(f"{ref} is already {status}", "<p>Nothing was changed.</p>")
