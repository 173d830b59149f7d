"""/api/v1/incidents: declare, read, and act on incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.api.deps import Responder, StateDep, Viewer
from warroom.api.schemas import (
    AtIn,
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
from warroom.domain.incidents import parse_ref, parse_role, parse_status
from warroom.services import incidents, queries, roles, timeline
from warroom.services.views import IncidentRead, event_view, incident_view

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.post("", status_code=201)
def declare(body: IncidentCreate, state: StateDep, token: Responder) -> IncidentRead:
    with state.db.write.begin() as session:
        incident = incidents.declare(
            session,
            ctx=state.ctx,
            actor=token.name,
            title=body.title,
            severity=body.severity,
            service=body.service,
            summary=body.summary,
            impact=body.impact,
            commander=body.commander,
            at=body.at,
        )
        return incident_view(incident)


@router.get("")
def list_incidents(
    state: StateDep,
    _: Viewer,
    status: str = "all",
    severity: str | None = None,
    service: str | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
    cursor: str | None = None,
) -> IncidentPage:
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
        return IncidentPage(
            items=[incident_view(i) for i in page.items], next_cursor=page.next_cursor
        )


@router.get("/{ref}")
def show(ref: str, state: StateDep, _: Viewer) -> IncidentWithTimeline:
    incident_id = parse_ref(ref)
    with state.db.read() as session:
        incident = incidents.get(session, incident_id)
        events = [event_view(e) for e in timeline.events_of(session, incident_id)]
        return IncidentWithTimeline(**incident_view(incident).model_dump(), timeline=events)


@router.get("/{ref}/timeline")
def show_timeline(ref: str, state: StateDep, _: Viewer) -> EventPage:
    incident_id = parse_ref(ref)
    with state.db.read() as session:
        incidents.get(session, incident_id)
        events = [event_view(e) for e in timeline.events_of(session, incident_id)]
        return EventPage(items=events, next_cursor=None)


@router.post("/{ref}/acknowledge")
def acknowledge(
    ref: str, state: StateDep, token: Responder, body: AtIn | None = None
) -> IncidentRead:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = incidents.acknowledge(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            at=body.at if body else None,
        )
        return incident_view(incident)


@router.post("/{ref}/status")
def change_status(ref: str, body: StatusIn, state: StateDep, token: Responder) -> IncidentRead:
    incident_id = parse_ref(ref)
    status = parse_status(body.status)
    with state.db.write.begin() as session:
        incident = incidents.change_status(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            status=status,
            message=body.message,
            at=body.at,
        )
        return incident_view(incident)


@router.post("/{ref}/updates", status_code=201)
def post_update(ref: str, body: UpdateIn, state: StateDep, token: Responder) -> IncidentRead:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = incidents.post_update(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            message=body.message,
            public=body.public,
            at=body.at,
        )
        return incident_view(incident)


@router.post("/{ref}/severity")
def change_severity(ref: str, body: SeverityIn, state: StateDep, token: Responder) -> IncidentRead:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = incidents.change_severity(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            severity=body.severity,
            reason=body.reason,
        )
        return incident_view(incident)


@router.post("/{ref}/roles")
def assign_role(ref: str, body: RoleIn, state: StateDep, token: Responder) -> IncidentRead:
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
        return incident_view(incident)


@router.post("/{ref}/resolve")
def resolve(
    ref: str, state: StateDep, token: Responder, body: ResolveIn | None = None
) -> IncidentRead:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = incidents.resolve(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            message=body.message if body else None,
            at=body.at if body else None,
        )
        return incident_view(incident)


@router.post("/{ref}/reopen")
def reopen(
    ref: str, state: StateDep, token: Responder, body: ReopenIn | None = None
) -> IncidentRead:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = incidents.reopen(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            message=body.message if body else None,
        )
        return incident_view(incident)


@router.post("/{ref}/close")
def close(ref: str, state: StateDep, token: Responder) -> IncidentRead:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        incident = incidents.close(
            session, ctx=state.ctx, actor=token.name, incident_id=incident_id
        )
        return incident_view(incident)
