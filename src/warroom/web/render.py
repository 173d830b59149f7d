"""Pages from Jinja2 templates (autoescaped), with the helpers every template uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from warroom.domain.durations import format_duration
from warroom.domain.page_headers import PAGE_HEADERS
from warroom.domain.room_rules import filters_of
from warroom.web import assets
from warroom.web.times import Times

if TYPE_CHECKING:
    from jinja2 import Environment

TITLES = {401: "Sign in", 403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Invalid"}
HEADERS = PAGE_HEADERS  # no inline script or style can run, so text that slipped
# through escaping stays inert


def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("warroom.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["static"] = assets.url
    env.filters["duration"] = format_duration
    env.globals["timeline_filters"] = filters_of
    return env


def _env(request: Request) -> Environment:
    env: Environment = request.app.state.web.templates
    return env


def fragment(request: Request, template: str, **context: Any) -> str:
    """A template rendered with the visitor and their clock, e.g. for a live update."""
    visitor = getattr(request.state, "visitor", None)
    ctx = request.app.state.web.ctx
    times = Times(visitor.timezone if visitor else "UTC", ctx.clock.now())
    page = _env(request).get_template(template)
    return page.render(visitor=visitor, times=times, demo=ctx.config.demo, **context)


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(fragment(request, template, **context), status, headers=HEADERS)
