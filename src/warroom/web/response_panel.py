"""The incident room's response panel: the runbooks that fit (their Markdown rendered
safely: raw HTML is shown as text and only http(s) and mailto links are kept), the
checklist, and the declared actions."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import Request
from markupsafe import Markup

from warroom.services.checklists import items
from warroom.services.runbooks import matching
from warroom.web.state import web_state

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

SAFE_LINKS = ("http://", "https://", "mailto:", "#", "/")


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.validateLink = lambda url: url.strip().lower().startswith(SAFE_LINKS)  # type: ignore[method-assign]
    return md


def render_markdown(text: str) -> Markup:
    """HTML for a runbook's Markdown; markdown-it escapes any HTML in it."""
    return Markup(_markdown().render(text))  # noqa: S704  (escaped by markdown-it: html off)


def response_context(request: Request, incident_id: int) -> dict[str, Any]:
    state = web_state(request)
    with state.db.read() as session:
        matches = matching.for_incident(session, ctx=state.ctx, incident_id=incident_id)
        checklist = items.checklist(session, ctx=state.ctx, incident_id=incident_id)
    return {
        "runbooks": [(m, render_markdown(m.runbook.body)) for m in matches],
        "checklist": checklist,
        "declared_actions": state.ctx.config.actions,
    }
