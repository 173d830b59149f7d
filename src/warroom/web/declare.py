"""/incidents/new: declare an incident, choosing the severity with its definition in view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.config import WarroomConfig
from warroom.domain.incidents import ref_of
from warroom.errors import Forbidden, WarroomError
from warroom.services.access import users
from warroom.services.incidents import lifecycle
from warroom.web import render
from warroom.web.auth import Acting, SignedIn, Visitor
from warroom.web.errors import PageRefused
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]


def _form(
    request: Request,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    state = web_state(request)
    with state.db.read() as session:
        people = users.names(session, ctx=state.ctx)
    return render.page(
        request,
        "declare.html.j2",
        status=status,
        levels=state.ctx.config.severities,
        services=state.ctx.config.services,
        people=people,
        values=values or {},
        errors=errors or {},
    )


def _problems(config: WarroomConfig, values: dict[str, str]) -> dict[str, str]:
    """Every mistake in the form at once, by field (the use case still has the last word)."""
    errors: dict[str, str] = {}
    if not values["title"].strip():
        errors["title"] = "Say what is broken: the title must not be empty."
    if not values["severity"]:
        errors["severity"] = "Choose a severity."
    else:
        try:
            config.severity(values["severity"])
        except WarroomError as exc:
            errors["severity"] = exc.message
    try:
        config.check_service(values["service"] or None)
    except WarroomError as exc:
        errors["service"] = exc.message
    return errors


def _refuse_viewers(visitor: Visitor) -> None:
    if not visitor.can_act:
        raise PageRefused(
            Forbidden(f"{visitor.name} is a {visitor.role}; only responders and admins declare.")
        )


@router.get("/incidents/new")
def new(request: Request, visitor: SignedIn) -> HTMLResponse:
    _refuse_viewers(visitor)
    return _form(request)


@router.post("/incidents/new")
def declare(
    request: Request,
    visitor: Acting,
    title: Field = "",
    severity: Field = "",
    service: Field = "",
    impact: Field = "",
    summary: Field = "",
    commander: Field = "",
) -> Response:
    values = {
        "title": title,
        "severity": severity,
        "service": service,
        "impact": impact,
        "summary": summary,
        "commander": commander,
    }
    state = web_state(request)
    errors = _problems(state.ctx.config, values)
    if errors:
        return _form(request, status=422, values=values, errors=errors)
    try:
        with state.db.write.begin() as session:
            incident = lifecycle.declare(
                session,
                ctx=state.ctx,
                actor=visitor.name,
                title=title,
                severity=severity,
                service=service or None,
                summary=summary,
                impact=impact,
                commander=commander or None,
            )
            ref = ref_of(incident.id)
    except WarroomError as exc:
        errors = {exc.field or "form": exc.message}
        return _form(request, status=exc.status, values=values, errors=errors)
    return RedirectResponse(f"/incidents/{ref}", status_code=303)
