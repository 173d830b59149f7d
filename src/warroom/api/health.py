"""/healthz (the process answers), /readyz (the database answers, and the processes the
server started for its alert writer and its worker are up), /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from warroom.api.deps import StateDep
from warroom.api.problems import problem
from warroom.domain.signatures import same_secret

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(state: StateDep, request: Request) -> dict[str, str] | Response:
    try:
        with state.db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return problem(503, "The database does not answer.", "not_ready")
    helpers: dict[str, Any] = getattr(request.app.state, "helpers", {})
    starting = [name for name, helper in helpers.items() if not helper.ready]
    if starting:
        return problem(503, f"Still starting: the {' and the '.join(starting)}.", "not_ready")
    return {"status": "ready", "database": state.db.engine.dialect.name}


@router.get("/metrics", response_model=None)
def metrics(request: Request, state: StateDep) -> Response:
    """Prometheus metrics; with the config's `security.metrics_token`, only for a request
    that presents it (`Authorization: Bearer <token>`, Prometheus's `authorization`)."""
    wanted = state.ctx.config.security.metrics_token
    if wanted is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_secret(given.strip(), wanted):
            return problem(
                401,
                "Metrics need the metrics token: Authorization: Bearer <metrics_token>.",
                "unauthorized",
                headers={"WWW-Authenticate": "Bearer"},
                field="authorization",
            )
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
