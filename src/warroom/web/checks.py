"""/checks: each health check with its state, last result, a latency sparkline and its
uptime over the last day."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.services.checks import views
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
WIDTH, HEIGHT = 120, 24


@dataclass(frozen=True)
class Sparkline:
    points: str  # an SVG polyline's points
    failures: list[float]  # x of each failed result
    peak_ms: int


def sparkline(results: list[views.ResultRead]) -> Sparkline | None:
    if not results:
        return None
    peak = max(max(r.latency_ms for r in results), 1)
    step = WIDTH / max(len(results) - 1, 1)
    points = []
    failures = []
    for n, result in enumerate(results):
        x = round(n * step, 1)
        y = round(HEIGHT - 2 - (HEIGHT - 4) * result.latency_ms / peak, 1)
        points.append(f"{x},{y}")
        if not result.ok:
            failures.append(x)
    return Sparkline(" ".join(points), failures, peak)


@router.get("/checks")
def checks_page(request: Request, _: SignedIn) -> HTMLResponse:
    state = web_state(request)
    with state.db.read() as session:
        found = views.list_checks(session, ctx=state.ctx)
    rows = [(check, sparkline(check.recent)) for check in found]
    return render.page(request, "checks.html.j2", rows=rows, width=WIDTH, height=HEIGHT)
