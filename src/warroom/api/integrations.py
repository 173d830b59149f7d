"""/api/v1/integrations (admin) and /api/v1/alerts (viewer)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import Admin, StateDep, Viewer
from warroom.db.models import Alert, Integration
from warroom.domain.incidents import parse_ref
from warroom.services.ingest import alerts, integrations

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    kind: str
    service: str | None = None
    hmac_secret: str | None = None
    rate: float | None = None  # its own intake limit; None: the config's
    burst: int | None = None


class IntegrationLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate: float | None = None  # None: the config's security.integration_rate
    burst: int | None = None  # None: the config's security.integration_burst


class IntegrationRead(BaseModel):
    name: str
    kind: str
    service: str | None
    signed: bool
    disabled_at: datetime | None
    created_at: datetime
    rate: float | None
    burst: int | None


class IntegrationCreated(BaseModel):
    name: str
    kind: str
    key: str
    url: str


class AlertRead(BaseModel):
    id: int
    incident: str | None
    dedup_key: str
    status: str
    summary: str
    severity: str | None
    source_severity: str | None
    service: str | None
    source: str | None
    labels: dict[str, Any]
    links: list[Any]
    count: int
    started_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


def integration_view(integration: Integration) -> IntegrationRead:
    return IntegrationRead(
        name=integration.name,
        kind=integration.kind,
        service=integration.service,
        signed=integration.hmac_secret is not None,
        disabled_at=integration.disabled_at,
        created_at=integration.created_at,
        rate=integration.rate,
        burst=integration.burst,
    )


def alert_view(alert: Alert) -> AlertRead:
    return AlertRead(
        id=alert.id,
        incident=f"INC-{alert.incident_id}" if alert.incident_id else None,
        dedup_key=alert.dedup_key,
        status=alert.status,
        summary=alert.summary,
        severity=alert.severity,
        source_severity=alert.source_severity,
        service=alert.service,
        source=alert.source,
        labels=alert.labels,
        links=alert.links,
        count=alert.count,
        started_at=alert.started_at,
        first_seen_at=alert.first_seen_at,
        last_seen_at=alert.last_seen_at,
        resolved_at=alert.resolved_at,
    )


@router.post("/integrations", status_code=201)
def create_integration(
    body: IntegrationCreate, state: StateDep, token: Admin
) -> IntegrationCreated:
    with state.db.write.begin() as session:
        integration, key = integrations.create(
            session,
            ctx=state.ctx,
            actor=token.name,
            name=body.name,
            kind=body.kind,
            service=body.service,
            hmac_secret=body.hmac_secret,
            rate=body.rate,
            burst=body.burst,
        )
        return IntegrationCreated(
            name=integration.name,
            kind=integration.kind,
            key=key,
            url=integrations.url_for(state.ctx.public_url, integration.kind, key),
        )


@router.get("/integrations")
def list_integrations(state: StateDep, _: Admin) -> dict[str, list[IntegrationRead]]:
    with state.db.read() as session:
        return {"items": [integration_view(i) for i in integrations.list_all(session)]}


@router.post("/integrations/{name}/disable")
def disable_integration(
    name: str, request: Request, state: StateDep, token: Admin
) -> IntegrationRead:
    with state.db.write.begin() as session:
        found = integrations.disable(session, ctx=state.ctx, actor=token.name, name=name)
        view = integration_view(found)
    request.app.state.senders.clear()
    return view


@router.put("/integrations/{name}/limit")
def set_integration_limit(
    name: str, body: IntegrationLimit, request: Request, state: StateDep, token: Admin
) -> IntegrationRead:
    """Its own intake limit (alerts a second, at most at once); null: the config's."""
    with state.db.write.begin() as session:
        found = integrations.set_limit(
            session, ctx=state.ctx, actor=token.name, name=name, rate=body.rate, burst=body.burst
        )
        view = integration_view(found)
    request.app.state.senders.clear()  # the next request reads the new limit
    return view


@router.post("/integrations/{name}/rotate-key")
def rotate_integration_key(
    name: str, request: Request, state: StateDep, token: Admin
) -> IntegrationCreated:
    with state.db.write.begin() as session:
        integration, key = integrations.rotate_key(
            session, ctx=state.ctx, actor=token.name, name=name
        )
        result = IntegrationCreated(
            name=integration.name,
            kind=integration.kind,
            key=key,
            url=integrations.url_for(state.ctx.public_url, integration.kind, key),
        )
    request.app.state.senders.clear()
    return result


@router.get("/alerts")
def list_alerts(
    state: StateDep,
    _: Viewer,
    incident: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    incident_id = parse_ref(incident) if incident else None
    with state.db.read() as session:
        rows = alerts.list_alerts(
            session, incident_id=incident_id, status=status, limit=limit, before=cursor
        )
        # A full page may have more after it; ask for one row past it (asking for limit + 1
        # at once would exceed the service's cap of 1000 when the caller asks for 1000).
        more = len(rows) == limit and bool(
            alerts.list_alerts(
                session, incident_id=incident_id, status=status, limit=1, before=rows[-1].id
            )
        )
        items = [alert_view(a) for a in rows]
    return {"items": items, "next_cursor": str(items[-1].id) if more and items else None}
