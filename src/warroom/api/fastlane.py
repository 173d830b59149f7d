"""The alert intake's own lane in front of the API.

Webhooks are the hot path: a storm sends thousands a second. They need none of the API's
machinery (routing tables, dependency injection, middleware, Request and Response
objects), so requests to the ingest paths are answered here directly: match the path,
read the body within the size limit, call the handler, send its answer, count it in the
request metrics, and answer problem+json for an error nobody expected. Everything else
goes to the FastAPI app as before.
"""

from __future__ import annotations

import time

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from warroom.api import ingest, problems
from warroom.api.ingest import Answer, Intake
from warroom.api.metrics import Metrics

INGEST = "/api/v1/ingest/"
ENQUEUE = "/v2/enqueue"
PREFIXES = (INGEST, ENQUEUE)
INGEST_ROUTE = INGEST + "{key}/{kind}"
SIGNATURE = ingest.SIGNATURE_HEADER


class WarroomApp(FastAPI):
    """FastAPI, with the ingest paths answered by `lane` before the middleware stack."""

    lane: IngestLane | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.lane is not None and scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith(PREFIXES):
                await self.lane(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class _Gone(Exception):
    """The client went away before its request was read."""


class IngestLane:
    def __init__(self, intake: Intake, metrics: Metrics, max_body_bytes: int) -> None:
        self.intake = intake
        self.metrics = metrics
        self.max_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        route, key, kind = _match(path)
        try:
            answer = await self._answer(scope, receive, route, key, kind)
        except _Gone:
            return
        except Exception as exc:
            answer = ingest.answer_of(_problem_for(exc))
        headers = [
            (b"content-type", answer.content_type),
            (b"content-length", str(len(answer.body)).encode()),
            *answer.headers,
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
        elapsed = time.perf_counter() - started
        self.metrics.answered(method, route or "unmatched", answer.status, elapsed)

    async def _answer(
        self, scope: Scope, receive: Receive, route: str | None, key: str, kind: str
    ) -> Answer:
        if route is None:
            return ingest.answer_of(problems.http_error(None, HTTPException(404)))
        if scope["method"] != "POST":
            refused = HTTPException(405, headers={"Allow": "POST"})
            return ingest.answer_of(problems.http_error(None, refused))
        signature = None
        length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == SIGNATURE:
                signature = value
        body = await self._body(receive, length)
        if body is None:
            return ingest.answer_of(problems.too_large(self.max_bytes))
        if route == ENQUEUE:
            return await ingest.enqueue(self.intake, signature, body)
        return await ingest.ingest_webhook(self.intake, key, kind, signature, body)

    async def _body(self, receive: Receive, length: bytes | None) -> bytes | None:
        """The request body, or None when it is over the limit (refused before it is
        read when its declared length already is)."""
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return None
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _match(path: str) -> tuple[str | None, str, str]:
    """(route template, key, kind) of an ingest path; no route when it is none of ours."""
    if path == ENQUEUE:
        return ENQUEUE, "", ""
    if path.startswith(INGEST):
        parts = path[len(INGEST) :].split("/")
        if len(parts) == 2 and parts[0] and parts[1]:
            return INGEST_ROUTE, parts[0], parts[1]
    return None, "", ""


def _problem_for(exc: Exception) -> Response:
    if isinstance(exc, OperationalError):
        return problems.database_unavailable(None, exc)
    return problems.unexpected(None, exc)
