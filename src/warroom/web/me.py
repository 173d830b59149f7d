"""/me: my next shifts, my open incidents, my contacts with a "send me a test page"
button, and a private calendar link (iCalendar) of my shifts; /calendar/{token}.ics
serves that calendar to a calendar app, without signing in."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.errors import WarroomError
from warroom.services.directory import calendar_links, schedule_views
from warroom.services.directory.views import find_person
from warroom.services.incidents import mine
from warroom.services.incidents.views import incident_view
from warroom.services.paging import deliveries
from warroom.web import render
from warroom.web.auth import Posting, SignedIn, Visitor
from warroom.web.errors import PageRefused
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
AHEAD = timedelta(days=14)
CALENDAR = "text/calendar; charset=utf-8"


def me_page(
    request: Request, visitor: Visitor, *, notice: str | None = None, link: str | None = None
) -> HTMLResponse:
    state = web_state(request)
    now = state.ctx.clock.now()
    config = state.ctx.config
    with state.db.read() as session:
        shifts = schedule_views.person_shifts(
            session, config, visitor.name, start=now, end=now + AHEAD
        )
        incidents = [incident_view(i) for i in mine.open_for(session, visitor.name)]
        person = find_person(session, config, visitor.name)
        calendar = calendar_links.current(session, visitor.name)
    return render.page(
        request,
        "me.html.j2",
        shifts=shifts,
        incidents=incidents,
        person=person,
        calendar=calendar,
        notice=notice,
        link=link,
    )


@router.get("/me")
def me(request: Request, visitor: SignedIn) -> HTMLResponse:
    return me_page(request, visitor)


@router.post("/me/test-page")
def test_page(request: Request, visitor: Posting) -> HTMLResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            sent = deliveries.send_test(
                session, ctx=state.ctx, actor=visitor.name, name=visitor.name
            )
    except WarroomError as exc:
        raise PageRefused(exc) from None
    notice = (
        f"A test page is on its way to {sent} contact{'' if sent == 1 else 's'}."
        if sent
        else "You have no working contact: a page cannot reach you."
    )
    return me_page(request, visitor, notice=notice)


@router.post("/me/calendar")
def new_calendar_link(request: Request, visitor: Posting) -> HTMLResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            token = calendar_links.create(session, ctx=state.ctx, person=visitor.name)
    except WarroomError as exc:
        raise PageRefused(exc) from None
    link = f"{state.ctx.public_url}/calendar/{token}.ics"
    return me_page(request, visitor, link=link)


@router.post("/me/calendar/off")
def calendar_off(request: Request, visitor: Posting) -> Response:
    state = web_state(request)
    with state.db.write.begin() as session:
        calendar_links.revoke(session, ctx=state.ctx, person=visitor.name)
    return RedirectResponse("/me", status_code=303)


@router.get("/calendar/{token}.ics")
def calendar(token: str, request: Request) -> Response:
    """A private calendar link: the token in the URL is the only credential."""
    state = web_state(request)
    with state.db.read() as session:
        try:
            text = calendar_links.feed(session, state.ctx.config, token, now=state.ctx.clock.now())
        except WarroomError as exc:
            return Response(exc.message, status_code=exc.status, media_type="text/plain")
    return Response(text, media_type=CALENDAR, headers={"Cache-Control": "no-store"})
