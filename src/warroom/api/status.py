"""The status page's API: the public, Statuspage-shaped `/api/v2/*.json` (no token), a
public subscribe call (rate-limited), and `/api/v1/status/*` for responders and admins:
publish an incident, set a component, plan maintenance, list subscribers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from warroom.api.answers import JSON
from warroom.api.deps import Admin, Responder, StateDep, Viewer
from warroom.api.state import ApiState
from warroom.domain.incidents import parse_ref
from warroom.errors import Invalid
from warroom.services.status import (
    components,
    maintenance,
    public,
    publishing,
    statuspage,
    subscribers,
    transitions,
    webhook_hosts,
)
from warroom.services.status.public import Body, Public
from warroom.services.status.throttle import check_subscribe

router = APIRouter(tags=["status page"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublishIn(_In):
    title: str | None = Field(default=None, max_length=200)


class ComponentIn(_In):
    status: str
    reason: str | None = None


class MaintenanceIn(_In):
    title: str = Field(max_length=200)
    components: list[str] = Field(max_length=100)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    message: str | None = None


class MessageIn(_In):
    message: str


class SubscribeIn(_In):
    email: Annotated[str | None, Field(max_length=300)] = None
    url: Annotated[str | None, Field(max_length=600)] = None
    components: list[str] = Field(default_factory=list, max_length=100)


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type=JSON)


def lane_paths(state: ApiState) -> dict[str, Public]:
    """The documents the status lane (api/status_lane) answers before the app."""
    db, ctx = state.db, state.ctx

    def made(name: str) -> Callable[[], Body]:
        return lambda: public.json_document(db, ctx, name)

    return {
        f"/api/v2/{name}.json": Public(f"json:{name}", made(name)) for name in statuspage.DOCUMENTS
    }


@router.get("/api/v2/{name:path}", include_in_schema=True)
def statuspage_document(name: str, state: StateDep, request: Request) -> Response:
    """Statuspage's public documents: summary, status, components, incidents,
    incidents/unresolved, scheduled-maintenances(/upcoming, /active), each `.json`."""
    found = public.json_document(state.db, state.ctx, name.removesuffix(".json"))
    if request.headers.get("if-none-match") == found.etag.decode():
        return Response(status_code=304, headers={"ETag": found.etag.decode()})
    headers = {"ETag": found.etag.decode(), "Cache-Control": "public, max-age=5"}
    return Response(found.content, media_type=JSON, headers=headers)


@router.post("/api/v1/status/subscribers", status_code=202)
def subscribe(body: SubscribeIn, state: StateDep, request: Request) -> Response:
    """Subscribe an email address (a confirmation link is sent first) or a webhook. The
    answer is the same whether or not the address was subscribed before."""
    client = request.client.host if request.client else "unknown"
    page = state.ctx.config.status_page
    check_subscribe(
        state.db, client, now=state.ctx.clock.now(), per_minute=page.subscribe_per_minute
    )
    if (body.email is None) == (body.url is None):
        raise Invalid("give either email or url.", field="email")
    kind, address = ("email", body.email) if body.email is not None else ("webhook", body.url)
    if kind == "webhook":  # resolving the host: before the transaction
        webhook_hosts.vet(address or "", allow_private=page.allow_private_webhooks)
    with state.db.write.begin() as session:
        subscribers.subscribe(
            session, ctx=state.ctx, kind=kind, address=address or "", components=body.components
        )
    told = "check your inbox for a confirmation link" if kind == "email" else "subscribed"
    return _json({"accepted": True, "next": told}, 202)


@router.get("/api/v1/status/subscribers")
def list_subscribers(state: StateDep, _: Admin) -> Response:
    with state.db.read() as session:
        found = subscribers.active(session)
        items = [
            {"id": s.id, "kind": s.kind, "address": s.address, "components": s.components}
            for s in found
        ]
    return _json({"items": items})


@router.post("/api/v1/status/incidents/{ref}/publish")
def publish(ref: str, state: StateDep, token: Responder, body: PublishIn | None = None) -> Response:
    incident_id = parse_ref(ref)
    with state.db.write.begin() as session:
        found = publishing.publish(
            session,
            ctx=state.ctx,
            actor=token.name,
            incident_id=incident_id,
            title=body.title if body else None,
        )
        answer = {"incident": ref.upper(), "title": found.title, "published_by": found.published_by}
    return _json(answer)


@router.get("/api/v1/status/components")
def list_components(state: StateDep, _: Viewer) -> Response:
    snap = public.snapshot(state.db, state.ctx)
    items = [
        {"id": v.component.id, "name": v.component.name, "status": v.status.value}
        for v in snap.components
    ]
    return _json({"items": items})


@router.get("/api/v1/status/components/changes")
def list_component_changes(state: StateDep, _: Viewer, component: str | None = None) -> Response:
    """Every change of a component's status, hand-set or automatic, with its cause."""
    with state.db.read() as session:
        wanted = components.find(state.ctx, component).id if component else None
        rows = transitions.history(session, component=wanted)
        items = [transitions.as_dict(row) for row in rows]
    return _json({"items": items})


@router.put("/api/v1/status/components/{name}")
def set_component(name: str, body: ComponentIn, state: StateDep, token: Responder) -> Response:
    """Set a component's status by hand (`automatic`: follow the incidents again)."""
    with state.db.write.begin() as session:
        change = components.set_status(
            session,
            ctx=state.ctx,
            actor=token.name,
            component=name,
            status=body.status,
            reason=body.reason,
        )
        answer = {"component": change.component, "status": change.status or "automatic"}
    return _json(answer)


def _maintenance(row: maintenance.Maintenance) -> dict[str, object]:
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "components": row.components,
        "starts_at": row.starts_at.isoformat(),
        "ends_at": row.ends_at.isoformat(),
    }


@router.post("/api/v1/status/maintenances", status_code=201)
def plan_maintenance(body: MaintenanceIn, state: StateDep, token: Responder) -> Response:
    with state.db.write.begin() as session:
        row = maintenance.schedule(
            session,
            ctx=state.ctx,
            actor=token.name,
            title=body.title,
            components=body.components,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            message=body.message,
        )
        answer = _maintenance(row)
    return _json(answer, 201)


@router.get("/api/v1/status/maintenances")
def list_maintenances(state: StateDep, _: Viewer) -> Response:
    with state.db.read() as session:
        items = [_maintenance(row) for row in maintenance.listing(session)]
    return _json({"items": items})


@router.post("/api/v1/status/maintenances/{maintenance_id}/updates", status_code=201)
def update_maintenance(
    maintenance_id: int, body: MessageIn, state: StateDep, token: Responder
) -> Response:
    with state.db.write.begin() as session:
        maintenance.post_update(
            session,
            ctx=state.ctx,
            actor=token.name,
            maintenance_id=maintenance_id,
            message=body.message,
        )
        row = maintenance.get(session, maintenance_id)
        answer = _maintenance(row)
    return _json(answer, 201)
