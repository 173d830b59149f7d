"""/incidents/{ref}/live: server-sent events that keep an open incident room current.

Each stream polls the database (events by id, the incident's version) a few times a
second, so it works with any number of server processes on PostgreSQL as on SQLite,
and holds no database session while it sleeps. A stream ends after a minute; the
browser reconnects at once and says where it was (Last-Event-ID).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from warroom.errors import Invalid, WarroomError
from warroom.services.checklists import items
from warroom.services.incidents import lifecycle, live
from warroom.services.incidents.views import event_view, incident_view
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.errors import PageRefused
from warroom.web.rooms import KIND_LABELS, action_context, directory_context, incident_id_of
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 0.3
STREAM_SECONDS = 60.0
PING_SECONDS = 15.0
SETTLE_SECONDS = 30.0  # an event id older than this is committed (or never will be)


@dataclass
class Cursor:
    """Which events this stream has sent. Ids are given out before commit, so a lower id
    can appear after a higher one; ids stay remembered until they are surely settled."""

    floor: int
    version: int | None = None
    recent: dict[int, float] = field(default_factory=dict)

    def fresh(self, ids: list[int]) -> list[int]:
        return [i for i in ids if i not in self.recent]

    def saw(self, ids: list[int], now: float) -> None:
        for i in ids:
            self.recent[i] = now
        settled = [i for i, t in self.recent.items() if now - t > SETTLE_SECONDS]
        if settled:
            self.floor = max(self.floor, *settled)
            self.recent = {i: t for i, t in self.recent.items() if i > self.floor}


def message(kind: str, html: str, event_id: int | None = None) -> str:
    lines = [f"event: {kind}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in html.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def poll(request: Request, incident_id: int, cursor: Cursor) -> list[str]:
    """One look at the database: the messages to send (none when nothing changed)."""
    state = web_state(request)
    out = []
    with state.db.read() as session:
        change = live.changes(session, incident_id=incident_id, after=cursor.floor)
        fresh = cursor.fresh(change.event_ids)
        events = live.events(session, fresh) if fresh else []
        incident = change.incident if change.version != cursor.version else None
        directory = directory_context(request, session) if incident is not None else {}
        # a tick by hand or by an event, or a change of level, may change the checklist
        checklist_of = change.incident if events or incident is not None else None
        checklist = (
            items.checklist(session, ctx=state.ctx, incident_id=incident_id)
            if checklist_of is not None
            else []
        )
    for event in events:
        html = render.fragment(
            request, "_event.html.j2", event=event_view(event), kind_labels=KIND_LABELS
        )
        out.append(message("entry", html, event.id))
    cursor.saw(fresh, time.monotonic())
    if incident is not None:
        view = incident_view(incident)
        context = {"incident": view, **directory, **action_context(request, view)}
        out.append(message("header", render.fragment(request, "_header.html.j2", **context)))
        out.append(message("primary", render.fragment(request, "_primary.html.j2", **context)))
        out.append(message("actions", render.fragment(request, "_actions.html.j2", **context)))
        cursor.version = change.version
    if checklist_of is not None:
        view = incident_view(checklist_of)
        html = render.fragment(request, "_checklist.html.j2", incident=view, checklist=checklist)
        out.append(message("checklist", html))
    return out


async def stream(request: Request, incident_id: int, cursor: Cursor) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    started = last = time.monotonic()
    while time.monotonic() - started < STREAM_SECONDS:
        sent = await anyio.to_thread.run_sync(poll, request, incident_id, cursor)
        if sent:
            yield "".join(sent)
            last = time.monotonic()
        elif time.monotonic() - last > PING_SECONDS:
            yield ": still here\n\n"
            last = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


@router.get("/incidents/{ref}/live")
def live_updates(
    ref: str, request: Request, _: SignedIn, after: int = 0, v: int | None = None
) -> StreamingResponse:
    """`after`: the newest event id the page shows; `v`: the incident version it shows."""
    incident_id = incident_id_of(ref)
    resume = request.headers.get("last-event-id", "")
    if resume and not (resume.isascii() and resume.isdigit() and len(resume) < 12):
        raise PageRefused(
            Invalid("Last-Event-ID must be the id of an event (digits).", field="last-event-id")
        )
    floor = int(resume) if resume else max(after, 0)
    with web_state(request).db.read() as session:
        try:
            lifecycle.get(session, incident_id)
        except WarroomError as exc:
            raise PageRefused(exc) from None
    version = None if resume else v
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        stream(request, incident_id, Cursor(floor, version)),
        media_type="text/event-stream",
        headers=headers,
    )
