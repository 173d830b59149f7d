"""The public status responses' own lane: `/status`, its feeds and `/api/v2/*.json` are
read far more than anything else (every widget and monitor polls them), and each is
bytes in the public cache. A fresh entry is sent straight from here, with no routing,
middleware or thread-pool hop; a stale one is made again in the thread pool (it reads
the database). A repeat with the entry's ETag gets 304."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope

from warroom.api.fastlane import Lane, header
from warroom.api.ingest import Answer
from warroom.api.metrics import Metrics
from warroom.services.status.public import Body, Public

CACHE_CONTROL = (b"cache-control", b"public, max-age=5")


class StatusLane(Lane):
    def __init__(
        self, metrics: Metrics, paths: dict[str, Public], peek: Callable[[str], Body | None]
    ) -> None:
        super().__init__(metrics, 0)
        self.paths = paths
        self.peek = peek

    def route(self, method: str, path: str) -> str | None:
        return path if method in ("GET", "HEAD") and path in self.paths else None

    async def answer(self, route: str, scope: Scope, receive: Receive) -> Answer:
        public = self.paths[route]
        body = self.peek(public.key)
        if body is None:
            body = await run_in_threadpool(public.make)
        headers = ((b"etag", body.etag), CACHE_CONTROL, *public.headers)
        if header(scope, b"if-none-match") == body.etag:
            return Answer(304, b"", body.content_type, headers)
        return Answer(200, body.content, body.content_type, headers)
