"""What a reader sees of a post-mortem, its versions and its export: the same for the
API, the CLI and the web pages."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.learning import ActionItem, Postmortem, PostmortemVersion
from warroom.domain.incidents import ref_of
from warroom.domain.postmortems import export_path
from warroom.services.incidents import lifecycle
from warroom.services.postmortems import similar

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


class PostmortemRead(BaseModel):
    incident: str
    title: str
    state: str
    version: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    export_path: str


class VersionRead(BaseModel):
    number: int
    state: str
    author: str
    note: str
    created_at: datetime
    body: str | None = None


def postmortem_view(session: Session, postmortem: Postmortem) -> PostmortemRead:
    incident = lifecycle.get(session, postmortem.incident_id)
    return PostmortemRead(
        incident=ref_of(incident.id),
        title=incident.title,
        state=postmortem.state,
        version=postmortem.version,
        author=postmortem.author,
        body=postmortem.body,
        created_at=postmortem.created_at,
        updated_at=postmortem.updated_at,
        published_at=postmortem.published_at,
        export_path=export_path(incident.declared_at, incident.title),
    )


def version_view(row: PostmortemVersion, *, with_body: bool = False) -> VersionRead:
    return VersionRead(
        number=row.number,
        state=row.state,
        author=row.author,
        note=row.note,
        created_at=row.created_at,
        body=row.body if with_body else None,
    )


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Raw HTML in the text is shown as text, never run: "html": False.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def as_html(markdown: str) -> str:
    """The Markdown as an HTML fragment; any HTML written into it is escaped."""
    html: str = _markdown().render(markdown)
    return html


class RoomPanel(BaseModel):
    """What the incident room shows of the post-mortem and the action items."""

    state: str | None  # None: no post-mortem yet
    version: int | None
    open_actions: int
    similar: list[similar.Similar]


def room_panel(session: Session, incident_id: int) -> RoomPanel:
    found = session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))
    open_actions = session.scalar(
        select(func.count())
        .select_from(ActionItem)
        .where(ActionItem.incident_id == incident_id, ActionItem.status == "open")
    )
    return RoomPanel(
        state=found.state if found else None,
        version=found.version if found else None,
        open_actions=open_actions or 0,
        similar=similar.similar(session, incident_id),
    )
