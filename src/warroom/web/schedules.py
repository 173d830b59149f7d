"""/schedules: who is on call now and next on each schedule; /schedules/{name}: a
two-week timeline of each layer, the overrides and the final result (server-rendered
SVG and lists, in the viewer's time zone), and covering a shift from the page."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from warroom.domain.schedules import Shift
from warroom.errors import Invalid, WarroomError
from warroom.services.access import users
from warroom.services.directory import overrides, schedule_views
from warroom.web import render
from warroom.web.auth import Acting, SignedIn, Visitor
from warroom.web.errors import PageRefused
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form()]
DAYS = 14
WIDTH = 1000  # the SVG's own units across the two weeks
COLOURS = 8


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    person: str
    colour: int
    shift: Shift


def colour_of(person: str) -> int:
    return zlib.crc32(person.encode()) % COLOURS


def bars(shifts: list[Shift], start: datetime, end: datetime) -> list[Bar]:
    total = (end - start).total_seconds()
    return [
        Bar(
            x=round((s.start - start).total_seconds() / total * WIDTH, 2),
            width=max(round((s.end - s.start).total_seconds() / total * WIDTH, 2), 0.5),
            person=s.person,
            colour=colour_of(s.person),
            shift=s,
        )
        for s in shifts
    ]


def day_lines(start: datetime, end: datetime, zone: str) -> list[tuple[float, str]]:
    """Where each local midnight falls across the range, with the day's name."""
    here = ZoneInfo(zone)
    total = (end - start).total_seconds()
    day = start.astimezone(here).replace(hour=0, minute=0, second=0, microsecond=0)
    lines = []
    for _ in range(DAYS * 2):
        day = (day + timedelta(days=1)).replace(fold=0)  # local midnight, the next day
        at = day.astimezone(UTC)
        if at >= end:
            break
        if at > start:
            lines.append((round((at - start).total_seconds() / total * WIDTH, 2), f"{day:%a %d}"))
    return lines


def local_input(value: str, zone: str, field: str) -> datetime:
    """A `datetime-local` field's value read in the viewer's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"{field} must be a date and time, e.g. 2026-11-03T09:00.", field=field
        ) from None
    return moment.replace(tzinfo=ZoneInfo(zone)) if moment.tzinfo is None else moment


def _zone(visitor: Visitor) -> str:
    try:
        ZoneInfo(visitor.timezone)
    except (KeyError, ValueError):
        return "UTC"
    return visitor.timezone


@router.get("/schedules")
def schedules_page(request: Request, _: SignedIn) -> HTMLResponse:
    state = web_state(request)
    now = state.ctx.clock.now()
    with state.db.read() as session:
        rows = schedule_views.overview(session, state.ctx.config, now)
    return render.page(request, "schedules.html.j2", rows=rows)


def schedule_page(
    request: Request,
    visitor: Visitor,
    name: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    state = web_state(request)
    now = state.ctx.clock.now()
    zone = _zone(visitor)
    start = now.astimezone(ZoneInfo(zone)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=DAYS)
    with state.db.read() as session:
        try:
            shown = schedule_views.timeline(session, state.ctx.config, name, start=start, end=end)
            on_call = schedule_views.who(session, state.ctx.config, name, now)
        except WarroomError as exc:
            raise PageRefused(exc) from None
        made = overrides.list_overrides(session, schedule=shown.schedule.name, now=now)
        people = users.names(session, ctx=state.ctx)
    context: dict[str, Any] = {
        "timeline": shown,
        "on_call": on_call,
        "rows": [(row.name, bars(row.shifts, start, end)) for row in shown.rows],
        "days": day_lines(start, end, zone),
        "now_x": round((now - start).total_seconds() / (end - start).total_seconds() * WIDTH, 2),
        "width": WIDTH,
        "overrides": [overrides.override_view(o) for o in made],
        "people": people,
        "now": now,
        "errors": errors or {},
        "values": values or {},
    }
    return render.page(request, "schedule.html.j2", status=status, **context)


@router.get("/schedules/{name}")
def one_schedule(name: str, request: Request, visitor: SignedIn) -> HTMLResponse:
    return schedule_page(request, visitor, name)


@router.post("/schedules/{name}/overrides")
def cover_shift(
    name: str,
    request: Request,
    who: Acting,
    person: Field = "",
    start: Field = "",
    end: Field = "",
    reason: Field = "",
) -> Response:
    """Someone covers the schedule from `start` to `end` (the viewer's local times, or
    ISO 8601 with an offset, as "Take this shift" sends)."""
    values = {"person": person, "start": start, "end": end, "reason": reason}
    state = web_state(request)
    zone = _zone(who)
    try:
        first = local_input(start, zone, "start")
        last = local_input(end, zone, "end")
        with state.db.write.begin() as session:
            overrides.add(
                session,
                ctx=state.ctx,
                actor=who.name,
                schedule=name,
                person=person or who.name,
                start=first,
                end=last,
                reason=reason,
            )
    except WarroomError as exc:
        errors = {exc.field or "form": exc.message}
        return schedule_page(request, who, name, status=exc.status, errors=errors, values=values)
    return RedirectResponse(f"/schedules/{name}", status_code=303)


@router.post("/schedules/{name}/overrides/{override_id}/remove")
def remove_override(name: str, override_id: int, request: Request, who: Acting) -> Response:
    state = web_state(request)
    try:
        with state.db.write.begin() as session:
            overrides.remove(session, ctx=state.ctx, actor=who.name, override_id=override_id)
    except WarroomError as exc:
        errors = {"form": exc.message}
        return schedule_page(request, who, name, status=exc.status, errors=errors)
    return RedirectResponse(f"/schedules/{name}", status_code=303)
