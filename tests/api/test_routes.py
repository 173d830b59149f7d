"""Every route answers one question: no two share a method and a path (the second would
never be reached, whichever was registered last)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from starlette.routing import Route


def routes(found: Iterable[Any]) -> Iterator[Route]:
    """Every route, those of included routers too (their own prefix is in their paths)."""
    for route in found:
        if isinstance(route, Route):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from routes(route.original_router.routes)


def test_no_two_routes_share_a_method_and_a_path(app: Any) -> None:
    seen = Counter((method, r.path) for r in routes(app.routes) for method in r.methods or ())
    assert [key for key, count in seen.items() if count > 1] == []
    assert ("GET", "/api/v1/actions") in seen and ("GET", "/api/v1/action-items") in seen
