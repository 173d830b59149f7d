"""/api/v1/tokens, /api/v1/config and /api/v1/audit: for admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from warroom.api.deps import Admin, StateDep
from warroom.api.schemas import TokenCreate, TokenCreated, TokenRead
from warroom.domain import redaction
from warroom.domain.access import parse_access_role
from warroom.domain.durations import parse_duration
from warroom.errors import Invalid
from warroom.services import audit
from warroom.services.access import tokens

router = APIRouter(prefix="/api/v1", tags=["admin"])


@router.post("/tokens", status_code=201)
def create_token(body: TokenCreate, state: StateDep, bearer: Admin) -> TokenCreated:
    role = parse_access_role(body.role)
    try:
        expires_in = parse_duration(body.expires_in) if body.expires_in else None
    except ValueError as exc:
        raise Invalid(f"expires_in: {exc}.", field="expires_in") from None
    with state.db.write.begin() as session:
        token, plain = tokens.create(
            session,
            ctx=state.ctx,
            actor=bearer.name,
            name=body.name,
            role=role,
            expires_in=expires_in,
        )
        return TokenCreated(name=token.name, role=token.role, token=plain)


@router.get("/tokens")
def list_tokens(state: StateDep, _: Admin) -> dict[str, list[TokenRead]]:
    with state.db.read() as session:
        items = [
            TokenRead.model_validate(t, from_attributes=True) for t in tokens.list_tokens(session)
        ]
    return {"items": items}


@router.delete("/tokens/{name}")
def revoke_token(name: str, request: Request, state: StateDep, bearer: Admin) -> TokenRead:
    with state.db.write.begin() as session:
        token = tokens.revoke(session, ctx=state.ctx, actor=bearer.name, name=name)
        read = TokenRead.model_validate(token, from_attributes=True)
    request.app.state.bearers.clear()
    return read


@router.get("/config")
def show_config(state: StateDep, _: Admin) -> dict[str, Any]:
    """The effective config, every credential masked (contacts shown as channels)."""
    shown: dict[str, Any] = redaction.masked_config(state.ctx.config.model_dump(mode="json"))
    return shown


@router.get("/audit")
def audit_trail(
    state: StateDep, _: Admin, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, list[dict[str, Any]]]:
    """Who changed people, teams, users, tokens, integrations, contacts and maintenance
    notes, newest first."""
    with state.db.read() as session:
        items = [
            {"at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject}
            for e in audit.recent(session, limit=limit)
        ]
    return {"items": items}
