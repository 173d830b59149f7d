"""/people: who is on call, everyone warroom can page with where each contact goes (and
which are disabled after failing), and the notifications that failed; an admin turns a
disabled contact back on from here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from warroom.errors import WarroomError
from warroom.services.directory import schedule_views
from warroom.services.directory.views import people_views
from warroom.services.paging import deliveries, failing_contacts
from warroom.web import render
from warroom.web.auth import Administering, SignedIn
from warroom.web.errors import PageRefused
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
FAILED_SHOWN = 20


@router.get("/people")
def people_page(request: Request, _: SignedIn) -> HTMLResponse:
    state = web_state(request)
    config = state.ctx.config
    with state.db.read() as session:
        people = people_views(session, config)
        failed = deliveries.list_deliveries(session, status="failed", limit=FAILED_SHOWN)
        return render.page(
            request,
            "people.html.j2",
            people=people,
            on_call=schedule_views.overview(session, config, state.ctx.clock.now()),
            failed=[deliveries.describe(job) for job in failed],
        )


@router.post("/people/{name}/contacts/{contact}/enable")
def enable_contact(
    request: Request, name: str, contact: str, who: Administering
) -> RedirectResponse:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            failing_contacts.enable(
                session, ctx=state.ctx, actor=who.name, person=name, contact=contact
            )
    except WarroomError as exc:
        raise PageRefused(exc) from None
    return RedirectResponse("/people", status_code=303)
