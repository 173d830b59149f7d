"""The incident room's forms: each posts to a use case, then redirects back to the room.

A form that saw an older state (someone else moved the incident meanwhile) changes
nothing and says what changed. Scripts that post with `X-Requested-With: fetch` get
204 on success instead of a redirect, and the refused form's page otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.domain import room_rules
from warroom.domain.incidents import Role, parse_role, parse_status, ref_of
from warroom.errors import Invalid, NotFound, WarroomError
from warroom.services.incidents import lifecycle, roles, timeline
from warroom.services.paging import manual
from warroom.web.auth import Acting
from warroom.web.errors import PageRefused
from warroom.web.rooms import Problem, incident_id_of, room_page
from warroom.web.state import web_state
from warroom.web.times import Times

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]
Action = Callable[[Session, int], Any]
STATUS_KINDS = ("status", "acknowledged", "reopened")


class Stale(Exception):
    """The form was filled in against a state that has since changed."""


def _changed_by(session: Session, incident: Incident, kinds: tuple[str, ...]) -> str:
    events = timeline.events_of(session, incident.id)
    latest = next((e for e in reversed(events) if e.kind in kinds), None)
    if latest is None:
        return "Someone"
    return f"{latest.actor} (at {Times('UTC', latest.at).local(latest.at)})"


def _check_fresh(
    session: Session, incident: Incident, seen_status: str | None, seen_severity: str | None
) -> None:
    ref = ref_of(incident.id)
    if seen_status and seen_status != incident.status:
        who = _changed_by(session, incident, STATUS_KINDS)
        raise Stale(
            f"While you had this page open, {who} moved {ref} from {seen_status} to "
            f"{incident.status}. Nothing was changed: look again and choose."
        )
    if seen_severity and seen_severity != incident.severity:
        who = _changed_by(session, incident, ("severity",))
        raise Stale(
            f"While you had this page open, {who} changed {ref} from {seen_severity} to "
            f"{incident.severity}. Nothing was changed: look again and choose."
        )


def act(
    request: Request,
    ref: str,
    do: Action,
    *,
    form: str,
    values: dict[str, str] | None = None,
    seen_status: str | None = None,
    seen_severity: str | None = None,
) -> Response:
    incident_id = incident_id_of(ref)
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            incident = lifecycle.get(session, incident_id, for_update=True)
            _check_fresh(session, incident, seen_status, seen_severity)
            do(session, incident_id)
    except Stale as exc:
        return room_page(request, incident_id, status=409, notice=str(exc))
    except WarroomError as exc:
        if isinstance(exc, NotFound) and exc.field == "ref":
            raise PageRefused(exc) from None
        problem = Problem(form, exc.field, exc.message, values or {})
        return room_page(request, incident_id, status=exc.status, problem=problem)
    if request.headers.get("x-requested-with") == "fetch":
        return Response(status_code=204)
    return RedirectResponse(f"/incidents/{ref_of(incident_id)}", status_code=303)


@router.post("/incidents/{ref}/acknowledge")
def acknowledge(ref: str, request: Request, who: Acting, seen_status: Field = "") -> Response:
    def do(session: Session, incident_id: int) -> Any:
        ctx = web_state(request).ctx
        return lifecycle.acknowledge(session, ctx=ctx, actor=who.name, incident_id=incident_id)

    return act(request, ref, do, form="status", seen_status=seen_status)


@router.post("/incidents/{ref}/status")
def change_status(
    ref: str,
    request: Request,
    who: Acting,
    status: Field = "",
    message: Field = "",
    seen_status: Field = "",
) -> Response:
    def do(session: Session, incident_id: int) -> Any:
        return lifecycle.change_status(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            incident_id=incident_id,
            status=parse_status(status),
            message=message,
        )

    values = {"status": status, "message": message}
    return act(request, ref, do, form="status", values=values, seen_status=seen_status)


@router.post("/incidents/{ref}/resolve")
def resolve(
    ref: str,
    request: Request,
    who: Acting,
    message: Field = "",
    seen_status: Field = "",
    confirm: Field = "",
) -> Response:
    def do(session: Session, incident_id: int) -> Any:
        ctx = web_state(request).ctx
        incident = lifecycle.get(session, incident_id)
        if room_rules.confirm_needed(ctx.config.rank(incident.severity)) and confirm != "on":
            raise Invalid(
                f"{incident.severity} is one of the gravest levels: tick the box to confirm "
                "that it is over.",
                field="confirm",
            )
        return lifecycle.resolve(
            session, ctx=ctx, actor=who.name, incident_id=incident_id, message=message
        )

    values = {"message": message}
    return act(request, ref, do, form="resolve", values=values, seen_status=seen_status)


@router.post("/incidents/{ref}/reopen")
def reopen(
    ref: str, request: Request, who: Acting, message: Field = "", seen_status: Field = ""
) -> Response:
    def do(session: Session, incident_id: int) -> Any:
        ctx = web_state(request).ctx
        return lifecycle.reopen(
            session, ctx=ctx, actor=who.name, incident_id=incident_id, message=message
        )

    values = {"message": message}
    return act(request, ref, do, form="reopen", values=values, seen_status=seen_status)


@router.post("/incidents/{ref}/updates")
def post_update(
    ref: str, request: Request, who: Acting, message: Field = "", public: Field = ""
) -> Response:
    def do(session: Session, incident_id: int) -> Any:
        return lifecycle.post_update(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            incident_id=incident_id,
            message=message,
            public=public == "on",
        )

    return act(request, ref, do, form="update", values={"message": message, "public": public})


@router.post("/incidents/{ref}/severity")
def change_severity(
    ref: str,
    request: Request,
    who: Acting,
    severity: Field = "",
    reason: Field = "",
    seen_severity: Field = "",
) -> Response:
    def do(session: Session, incident_id: int) -> Any:
        return lifecycle.change_severity(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            incident_id=incident_id,
            severity=severity,
            reason=reason,
        )

    values = {"severity": severity, "reason": reason}
    return act(request, ref, do, form="severity", values=values, seen_severity=seen_severity)


@router.post("/incidents/{ref}/roles")
def assign_role(
    ref: str, request: Request, who: Acting, role: Field = "", person: Field = ""
) -> Response:
    def do(session: Session, incident_id: int) -> Any:
        return roles.assign_role(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            incident_id=incident_id,
            role=parse_role(role),
            person=person,
        )

    return act(request, ref, do, form="role", values={"role": role, "person": person})


@router.post("/incidents/{ref}/command")
def take_command(ref: str, request: Request, who: Acting) -> Response:
    """One click: the signed-in person becomes the incident's commander."""

    def do(session: Session, incident_id: int) -> Any:
        return roles.assign_role(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            incident_id=incident_id,
            role=Role.COMMANDER,
            person=who.name,
        )

    return act(request, ref, do, form="role", values={"role": "commander", "person": who.name})


@router.post("/incidents/{ref}/page")
def page_someone(ref: str, request: Request, who: Acting, target: Field = "") -> Response:
    """Page a person, a team or a schedule's on-call, through the outbox."""

    def do(session: Session, incident_id: int) -> Any:
        return manual.page_target(
            session,
            ctx=web_state(request).ctx,
            actor=who.name,
            incident_id=incident_id,
            target=target,
        )

    return act(request, ref, do, form="page", values={"target": target})
