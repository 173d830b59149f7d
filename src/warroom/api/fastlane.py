"""The hot paths' own lanes in front of the API.

Alert webhooks (a storm sends thousands a second) and declaring an incident (a responder
waits for the answer) need none of the API's generic machinery: routing tables,
dependency injection, middleware, Request and Response objects, a thread-pool hop per
dependency. Requests to those paths are answered here directly: match the path, read the
body within the size limit, call the handler, send its answer, count it in the request
metrics, and answer problem+json for any error exactly as the app's handlers would.
Everything else goes to the FastAPI app, which also describes the lanes' routes in
/openapi.json.
"""

from __future__ import annotations

import time

from fastapi import FastAPI
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from warroom.api import incidents, ingest, problems
from warroom.api.deps import authorise
from warroom.api.ingest import Answer, Intake
from warroom.api.keycache import KeyCache
from warroom.api.metrics import Metrics
from warroom.api.schemas import IncidentCreate
from warroom.api.state import ApiState
from warroom.domain.access import AccessRole
from warroom.services.access.tokens import Bearer

INGEST = "/api/v1/ingest/"
ENQUEUE = "/v2/enqueue"
PREFIXES = (INGEST, ENQUEUE)
INGEST_ROUTE = INGEST + "{key}/{kind}"
SIGNATURE = ingest.SIGNATURE_HEADER
DECLARE = "/api/v1/incidents"


class WarroomApp(FastAPI):
    """FastAPI, with the hot paths answered by its lanes before the middleware stack."""

    lanes: tuple[Lane, ...] = ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for lane in self.lanes:
                route = lane.route(scope["method"], scope["path"])
                if route is not None:
                    await lane.serve(route, scope, receive, send)
                    return
        await super().__call__(scope, receive, send)


class _Gone(Exception):
    """The client went away before its request was read."""


class _TooLarge(Exception):
    """The request body is over the limit."""


class Lane:
    """The HTTP around a hot path's handler: `route` says which requests it takes (by
    the route template its metrics name), `answer` answers one."""

    def __init__(self, metrics: Metrics, max_body_bytes: int) -> None:
        self.metrics = metrics
        self.max_bytes = max_body_bytes

    def route(self, method: str, path: str) -> str | None:
        raise NotImplementedError

    async def answer(self, route: str, scope: Scope, receive: Receive) -> Answer:
        raise NotImplementedError

    async def serve(self, route: str, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        try:
            answer = await self.answer(route, scope, receive)
        except _Gone:
            return
        except _TooLarge:
            answer = self.too_large(route)
        except Exception as exc:
            answer = ingest.answer_of(problems.for_exception(exc))
        headers = [
            (b"content-type", answer.content_type),
            (b"content-length", str(len(answer.body)).encode()),
            *answer.headers,
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
        elapsed = time.perf_counter() - started
        self.metrics.answered(scope["method"], route, answer.status, elapsed)

    def too_large(self, route: str) -> Answer:
        return ingest.answer_of(problems.too_large(self.max_bytes))

    async def body(self, scope: Scope, receive: Receive) -> bytes:
        """The request body (refused before it is read when its declared length is
        already over the limit)."""
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            raise _TooLarge
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class IngestLane(Lane):
    """POST /api/v1/ingest/{key}/{kind} and PagerDuty's POST /v2/enqueue."""

    def __init__(self, intake: Intake, metrics: Metrics, max_body_bytes: int) -> None:
        super().__init__(metrics, max_body_bytes)
        self.intake = intake

    def route(self, method: str, path: str) -> str | None:
        if not path.startswith(PREFIXES):
            return None
        if path == ENQUEUE:
            return ENQUEUE
        parts = path[len(INGEST) :].split("/")
        if path.startswith(INGEST) and len(parts) == 2 and parts[0] and parts[1]:
            return INGEST_ROUTE
        return "unmatched"

    def too_large(self, route: str) -> Answer:
        if route == ENQUEUE:  # PagerDuty's clients expect its own error shape
            return ingest.enqueue_too_large(self.max_bytes)
        return super().too_large(route)

    async def answer(self, route: str, scope: Scope, receive: Receive) -> Answer:
        if route == "unmatched":
            return ingest.answer_of(problems.http_error(None, HTTPException(404)))
        if scope["method"] != "POST":
            refused = HTTPException(405, headers={"Allow": "POST"})
            return ingest.answer_of(problems.http_error(None, refused))
        signature = header(scope, SIGNATURE)
        body = await self.body(scope, receive)
        if route == ENQUEUE:
            return await ingest.enqueue(self.intake, signature, body)
        key, kind = scope["path"][len(INGEST) :].split("/")
        return await ingest.ingest_webhook(self.intake, key, kind, signature, body)


class DeclareLane(Lane):
    """POST /api/v1/incidents: a responder's token, the body as IncidentCreate, the
    declare itself in the thread pool (it waits on the database)."""

    def __init__(
        self, state: ApiState, bearers: KeyCache[Bearer], metrics: Metrics, max_body_bytes: int
    ) -> None:
        super().__init__(metrics, max_body_bytes)
        self.state = state
        self.bearers = bearers

    def route(self, method: str, path: str) -> str | None:
        return DECLARE if method == "POST" and path == DECLARE else None

    async def answer(self, route: str, scope: Scope, receive: Receive) -> Answer:
        presented = (header(scope, b"authorization") or b"").decode("latin-1")
        token = await authorise(self.state, self.bearers, presented, AccessRole.RESPONDER)
        body = await self.body(scope, receive)
        try:
            opening = IncidentCreate.model_validate_json(body or b"null")
        except ValidationError as exc:
            return ingest.answer_of(problems.invalid_input(exc.errors()))
        made = await run_in_threadpool(incidents.declared, self.state, token.name, opening)
        return Answer(201, made)
