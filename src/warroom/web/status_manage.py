"""/status/manage: the status page as responders run it: each component's status (set by
hand, or back to following the incidents) and every change of it with its cause,
maintenance windows to plan and update, and publishing an incident from its room. Every
form works without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.domain.incidents import parse_ref, ref_of
from warroom.domain.status_page import COMPONENT_ORDER, COMPONENT_WORDS
from warroom.errors import Invalid, WarroomError
from warroom.services.status import (
    components,
    maintenance,
    public,
    publishing,
    transitions,
    upstreams,
)
from warroom.web import render
from warroom.web.auth import Acting, SignedIn
from warroom.web.rooms import Problem, room_page
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]
MANAGE = "/status/manage"


def _page(request: Request, *, status: int = 200, problem: Problem | None = None) -> HTMLResponse:
    state = web_state(request)
    snap = public.snapshot(state.db, state.ctx)
    with state.db.read() as session:
        windows = maintenance.listing(session)
        changes = components.history(session)[:20]
        moves = transitions.history(session, limit=30)
        vendors = upstreams.states(session)
    return render.page(
        request,
        "status_manage.html.j2",
        status=status,
        nav="status",
        snap=snap,
        windows=windows,
        changes=changes,
        transitions=moves,
        describe=transitions.describe,
        statuses=COMPONENT_ORDER,
        words=COMPONENT_WORDS,
        problem=problem,
        upstreams=[(u, vendors.get(u.name)) for u in state.ctx.config.upstreams],
    )


@router.get(MANAGE)
def manage(request: Request, _: SignedIn) -> HTMLResponse:
    return _page(request)


def _done(request: Request, run: Any, form: str, values: dict[str, str]) -> Response:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            run(session)
    except WarroomError as exc:
        return _page(
            request, status=exc.status, problem=Problem(form, exc.field, exc.message, values)
        )
    return RedirectResponse(MANAGE, status_code=303)


@router.post("/status/manage/components")
def set_component(
    request: Request, who: Acting, component: Field = "", status: Field = "", reason: Field = ""
) -> Response:
    def run(session: Any) -> None:
        components.set_status(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            component=component,
            status=status,
            reason=reason,
        )

    values = {"component": component, "status": status, "reason": reason}
    return _done(request, run, "component", values)


def _moment(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{field} {text[:40]!r} is not a date and time.", field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # the form's times: UTC


@router.post("/status/manage/maintenance")
def plan(
    request: Request,
    who: Acting,
    title: Field = "",
    starts_at: Field = "",
    ends_at: Field = "",
    message: Field = "",
    chosen: Annotated[list[str] | None, Form(alias="components")] = None,
) -> Response:
    def run(session: Any) -> None:
        maintenance.schedule(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            title=title,
            components=chosen or [],
            starts_at=_moment(starts_at, "starts_at"),
            ends_at=_moment(ends_at, "ends_at"),
            message=message,
        )

    values = {"title": title, "starts_at": starts_at, "ends_at": ends_at, "message": message}
    return _done(request, run, "maintenance", values)


@router.post("/status/manage/maintenance/{maintenance_id}/updates")
def update_window(
    request: Request, maintenance_id: int, who: Acting, message: Field = ""
) -> Response:
    def run(session: Any) -> None:
        ctx = web_state(request).ctx
        maintenance.post_update(
            session, ctx=ctx, actor=who.name, maintenance_id=maintenance_id, message=message
        )

    return _done(request, run, f"window-{maintenance_id}", {"message": message})


@router.post("/incidents/{ref}/publish")
def publish(request: Request, ref: str, who: Acting, title: Field = "") -> Response:
    incident_id = parse_ref(ref)
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            publishing.publish(
                session, ctx=state.ctx, actor=who.name, incident_id=incident_id, title=title
            )
    except WarroomError as exc:
        problem = Problem("publish", exc.field, exc.message, {"title": title})
        return room_page(request, incident_id, status=exc.status, problem=problem)
    return RedirectResponse(f"/incidents/{ref_of(incident_id)}", status_code=303)
