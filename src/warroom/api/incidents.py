"""/api/v1/incidents: declare, read, and act on incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from warroom.api.answers import JSON, answer, json_of
from warroom.api.deps import Responder, StateDep, Viewer
from warroom.api.schemas import (
    AtIn,
    CloseIn,
    EventPage,
    IncidentCreate,
    IncidentPage,
    IncidentWithTimeline,
    ReopenIn,
    ResolveIn,
    RoleIn,
    SeverityIn,
    StatusIn,
    UpdateIn,
)
from warroom.api.state import ApiState
from warroom.domain.access import AccessRole
from warroom.domain.incidents import parse_ref, parse_role, parse_status
from warroom.errors import Forbidden
from warroom.services.incidents import lifecycle, queries, roles, timeline
from warroom.services.incidents.views import IncidentRead, event_view, incident_view

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.post("", status_code=201, response_model=IncidentRead)
def declare(body: IncidentCreate, state: StateDep, token: Responder) -> Response:
    """Declare an incident. (The declare lane in `api/fastlane.py` answers this path
    before the app sees it; this route describes it in /openapi.json.)"""
    return Response(declared(state, token.name, body), 201, media_type=JSON)


def declared(state: ApiState, actor: str, body: IncidentCreate) -> bytes:
    """Declare an incident, committed; its view as JSON."""
    with state.db.write.begin() as session:
        incident = lifecycle.declare(
            session,
            ctx=state.ctx,
            actor=actor,
            title=body.title,
            severity=body.severity,
            service=body.service,
            summary=body.summary,
            impact=body.impact,
            commander=body.commander,
            at=body.at,
        )
        return json_of(incident_view(incident))


@router.get("", response_model=IncidentPage)
def list_incidents(
    state: StateDep,
    _: Viewer,
    status: str = "all",
    severity: str | None = None,
    service: str | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> Response:
    with state.db.read() as session:
        page = queries.list_incidents(
            session,
            ctx=state.ctx,
            status=status,
            severity=severity,
            service=service,
            limit=limit,
            cursor=cursor,
        )
        return answer(
            IncidentPage(items=[incident_view(i) for i in page.items], next_cursor=page.next_cursor)
        )


@router.get("/{ref}", response_model=IncidentWithTimeline)
def show(ref: str, state: StateDep, _: Viewer) -> Response:
    incident_id = parse_ref(ref)
    with state.db.read() as session:
        incident = lifecycle.get(session, incident_id)
        events = [event_view(e) for e in timeline.events_of(session, incident_id)]
        return answer(IncidentWithTimeline(**incident_view(incident).model_dump(), timeline=events))


@router.get("/{ref}/timeline", response_model=EventPage)
def show_timeline(ref: str, state: StateDep, _: Viewer) -> Response:
    incident_id = parse_ref(ref)
    with state.db.read() as session:
        lifecycle.get(session, incident_id)
        events = [event_view(e) for e in timeline.events_of(session, incident_id)]
        return answer(EventPage(items=events, next_cursor=None))


@router.post("/{ref}/acknowledge", response_model=IncidentRead)
def acknowledge(ref: str, state: StateDep, token: Responder, body: AtIn | None = None) -> Response:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = lifecycle.acknowledge(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            at=body.at if body else None,
        )
        return answer(incident_view(incident))


@router.post("/{ref}/status", response_model=IncidentRead)
def change_status(ref: str, body: StatusIn, state: StateDep, token: Responder) -> Response:
    incident_id = parse_ref(ref)
    status = parse_status(body.status)
    with state.db.write.begin() as session:
        incident = lifecycle.change_status(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            status=status,
            message=body.message,
            at=body.at,
        )
        return answer(incident_view(incident))


@router.post("/{ref}/updates", status_code=201, response_model=IncidentRead)
def post_update(ref: str, body: UpdateIn, state: StateDep, token: Responder) -> Response:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = lifecycle.post_update(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            message=body.message,
            public=body.public,
            at=body.at,
        )
        return answer(incident_view(incident), 201)


@router.post("/{ref}/severity", response_model=IncidentRead)
def change_severity(ref: str, body: SeverityIn, state: StateDep, token: Responder) -> Response:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = lifecycle.change_severity(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            severity=body.severity,
            reason=body.reason,
        )
        return answer(incident_view(incident))


@router.post("/{ref}/roles", response_model=IncidentRead)
def assign_role(ref: str, body: RoleIn, state: StateDep, token: Responder) -> Response:
    incident_id = parse_ref(ref)
    role = parse_role(body.role)
    with state.db.write.begin() as session:
        incident = roles.assign_role(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            role=role,
            person=body.person,
        )
        return answer(incident_view(incident))


@router.post("/{ref}/resolve", response_model=IncidentRead)
def resolve(ref: str, state: StateDep, token: Responder, body: ResolveIn | None = None) -> Response:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = lifecycle.resolve(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            message=body.message if body else None,
            at=body.at if body else None,
        )
        return answer(incident_view(incident))


@router.post("/{ref}/reopen", response_model=IncidentRead)
def reopen(ref: str, state: StateDep, token: Responder, body: ReopenIn | None = None) -> Response:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = lifecycle.reopen(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            message=body.message if body else None,
        )
        return answer(incident_view(incident))


@router.post("/{ref}/close", response_model=IncidentRead)
def close(ref: str, state: StateDep, token: Responder, body: CloseIn | None = None) -> Response:
    """Close; a required post-mortem must be published, unless an admin gives
    `override_reason`."""
    incident_id = parse_ref(ref)
    override = body.override_reason if body else None
    if override is not None and token.role != AccessRole.ADMIN:
        raise Forbidden(
            "Only an admin may close without a published post-mortem.", field="override_reason"
        )
    with state.db.write.begin() as session:
        incident = lifecycle.close(
            session, ctx=state.ctx, actor=token.name, incident_id=incident_id, override=override
        )
        return answer(incident_view(incident))
