"""The alert intake's own lane in front of the API.

Webhooks are the hot path: a storm sends thousands a second. They need none of the API's
machinery (dependency injection, exception middleware, the route table of every API
router), so requests to the ingest paths go straight to their handlers, wrapped only in
what they do need: the body limit, request metrics, and a problem+json answer for an
error nobody expected. Everything else goes to the FastAPI app as before.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.api import ingest, problems
from warroom.api.limits import BodyLimit
from warroom.api.metrics import Metrics, MetricsMiddleware

PREFIXES = ("/api/v1/ingest/", "/v2/enqueue")


class WarroomApp(FastAPI):
    """FastAPI, with the ingest paths answered by `lane` before the middleware stack."""

    lane: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.lane is not None and scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(PREFIXES):
                scope["app"] = self
                await self.lane(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def build_lane(metrics: Metrics, max_body_bytes: int) -> ASGIApp:
    lane = MetricsMiddleware(_Guarded(Router(routes=ingest.routes)), metrics=metrics)
    return BodyLimit(lane, max_bytes=max_body_bytes)


class _Guarded:
    """Answer an error nobody expected as problem+json (503 when the database is down),
    as the API's exception handlers do behind FastAPI."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answered = False

        async def tracked_send(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            if answered:
                raise
            await _problem_for(exc)(scope, receive, send)


def _problem_for(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):  # no route, or a method it does not take
        return problems.http_error(None, exc)
    if isinstance(exc, OperationalError):
        return problems.database_unavailable(None, exc)
    return problems.unexpected(None, exc)
