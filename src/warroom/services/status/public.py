"""The public responses, each made once per change and served from the cache: the
snapshot, the Statuspage-shaped JSON documents and the feeds. Each is bytes with an ETag."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from warroom.db.engine import Database
from warroom.errors import NotFound
from warroom.services.context import Context
from warroom.services.status import feeds, statuspage
from warroom.services.status.cache import cache_for
from warroom.services.status.snapshot import Snapshot, build

JSON = b"application/json"
ATOM = b"application/atom+xml; charset=utf-8"
RSS = b"application/rss+xml; charset=utf-8"
HTML = b"text/html; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Body:
    content: bytes
    content_type: bytes
    etag: bytes

    @classmethod
    def of(cls, content: bytes, content_type: bytes) -> Body:
        digest = hashlib.sha256(content).hexdigest()[:20]
        return cls(content, content_type, f'"{digest}"'.encode())


@dataclass(frozen=True, slots=True)
class Public:
    """One public path: its cache key, how to make it, the headers it goes with."""

    key: str
    make: Callable[[], Body]
    headers: tuple[tuple[bytes, bytes], ...] = ()


def snapshot(db: Database, ctx: Context) -> Snapshot:
    def made() -> Snapshot:
        with db.read() as session:
            return build(session, ctx)

    return cache_for(db, ctx.clock).get("snapshot", made)


def cached(db: Database, ctx: Context, key: str, make: Callable[[], Body]) -> Body:
    return cache_for(db, ctx.clock).get(key, make)


def peek(db: Database, ctx: Context, key: str) -> Body | None:
    found = cache_for(db, ctx.clock).peek(key)
    return found if isinstance(found, Body) else None


def json_document(db: Database, ctx: Context, name: str) -> Body:
    if name not in statuspage.DOCUMENTS:
        raise NotFound(f"There is no /api/v2/{name[:80]}.json.")
    return cached(
        db, ctx, f"json:{name}", lambda: Body.of(statuspage.encoded(snapshot(db, ctx), name), JSON)
    )


def atom(db: Database, ctx: Context) -> Body:
    return cached(db, ctx, "atom", lambda: Body.of(feeds.atom(snapshot(db, ctx)), ATOM))


def rss(db: Database, ctx: Context) -> Body:
    return cached(db, ctx, "rss", lambda: Body.of(feeds.rss(snapshot(db, ctx)), RSS))
