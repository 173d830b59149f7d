"""The alert intake's own lane in front of the API.

Webhooks are the hot path: a storm sends thousands a second. They need none of the API's
machinery (dependency injection, exception middleware, the route table of every API
router), so requests to the ingest paths go straight to their handlers, wrapped only in
what they do need: the body limit, request metrics, and a problem+json answer for an
error nobody expected. Everything else goes to the FastAPI app as before.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.api import ingest, problems
from warroom.api.limits import BodyLimit
from warroom.api.metrics import Metrics

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
    return BodyLimit(_Guarded(Router(routes=ingest.routes), metrics), max_bytes=max_body_bytes)


class _Guarded:
    """Count and time each request like the API's middleware does, and answer an
    unexpected error as problem+json (503 when the database is down)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        answered = False

        async def tracked_send(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            if answered:
                raise
            response = _problem_for(exc)
            status = response.status_code
            await response(scope, receive, send)
        finally:
            route = _route_of(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(
                time.perf_counter() - started
            )


def _route_of(scope: Scope) -> str:
    return "/v2/enqueue" if scope["path"] == "/v2/enqueue" else "/api/v1/ingest/{key}/{kind}"


def _problem_for(exc: Exception) -> Any:
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []})
    if isinstance(exc, HTTPException):  # no route, or a method it does not take
        return problems.http_error(request, exc)
    if isinstance(exc, OperationalError):
        return problems.database_unavailable(request, exc)
    return problems.unexpected(request, exc)
