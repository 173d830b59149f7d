"""The project's own CSS and JS, read once from the package and served with long caching
under a content-hashed URL (a new release gets new URLs, so no stale file is ever used)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from warroom.errors import NotFound

TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}
FILES = ("app.css", "app.js", "status.css", "learning.css", "learning.js")
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    version: str


@cache
def load(name: str) -> Asset:
    if name not in FILES:
        raise NotFound(f"There is no asset named {name!r}.")
    body = resources.files("warroom.web").joinpath("static", name).read_bytes()
    version = hashlib.sha256(body).hexdigest()[:12]
    return Asset(body, TYPES[name.rpartition(".")[2]], version)


def url(name: str) -> str:
    return f"/static/{name}?v={load(name).version}"


@router.get("/static/{name}")
def serve(name: str, v: str | None = None) -> Response:
    asset = load(name)
    cache_control = "public, max-age=31536000, immutable" if v == asset.version else "no-cache"
    headers = {
        "Cache-Control": cache_control,
        "ETag": f'"{asset.version}"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(asset.body, media_type=asset.media_type, headers=headers)
