"""The response panel's forms: save the checklist's ticks, run a declared action. Each
posts, then redirects back to the room (a refusal shows the room with the reason)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from warroom.domain.incidents import ref_of
from warroom.errors import NotFound, WarroomError
from warroom.services.actions import runs
from warroom.services.checklists import items
from warroom.web.auth import Acting
from warroom.web.errors import PageRefused
from warroom.web.rooms import Problem, incident_id_of, room_page
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)


def _back(incident_id: int) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{ref_of(incident_id)}", status_code=303)


def _refused(request: Request, incident_id: int, form: str, exc: WarroomError) -> Response:
    if isinstance(exc, NotFound) and exc.field == "ref":
        raise PageRefused(exc) from None
    problem = Problem(form, exc.field, exc.message)
    return room_page(request, incident_id, status=exc.status, problem=problem)


@router.post("/incidents/{ref}/checklist")
async def save_checklist(ref: str, request: Request, who: Acting) -> Response:
    """Tick what is checked and untick what is not, among the items the form showed."""
    incident_id = incident_id_of(ref)
    form = await request.form()
    shown = {str(v) for v in form.getlist("shown")}
    checked = {str(v) for v in form.getlist("done")}
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            current = items.checklist(session, ctx=state.ctx, incident_id=incident_id)
            for item in current:
                name = f"{item.phase}.{item.key}"
                if name not in shown or item.event_id is not None:
                    continue  # not on the form, or ticked by an event
                if (name in checked) != item.done:
                    items.tick(
                        session,
                        ctx=state.ctx,
                        incident_id=incident_id,
                        item=name,
                        actor=who.name,
                        done=name in checked,
                    )
    except WarroomError as exc:
        return _refused(request, incident_id, "checklist", exc)
    return _back(incident_id)


@router.post("/incidents/{ref}/actions/{name}")
async def run_action(ref: str, name: str, request: Request, who: Acting) -> Response:
    """Run the action (up to its timeout); its output goes on the timeline."""
    incident_id = incident_id_of(ref)
    form = await request.form()
    params = {
        key.removeprefix("param-"): str(value)
        for key, value in form.items()
        if key.startswith("param-")
    }
    state = web_state(request)
    try:
        runs.run(
            state.db,
            state.ctx,
            incident_id=incident_id,
            name=name,
            params=params,
            role=who.role,
            actor=who.name,
            confirmed=form.get("confirm") == "yes",
        )
    except WarroomError as exc:
        return _refused(request, incident_id, f"action-{name}", exc)
    return _back(incident_id)
