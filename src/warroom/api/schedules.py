"""/api/v1/schedules: who is on call, the next handoff, and each schedule as iCalendar.
Schedules live in the config file; reading them needs a viewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from warroom.api.deps import StateDep, Viewer
from warroom.domain import ical
from warroom.services.directory import schedule_views, schedules
from warroom.services.directory.schedules import OnCallRead

router = APIRouter(prefix="/api/v1", tags=["schedules"])
CALENDAR = "text/calendar; charset=utf-8"
# A calendar feed's range (`schedules.span` fills in what is left out).
From = Annotated[AwareDatetime | None, Query(alias="from")]
To = Annotated[AwareDatetime | None, Query(alias="to")]
At = Annotated[
    AwareDatetime | None, Query(description="When (ISO 8601 with offset); now if left out.")
]


@router.get("/schedules")
def list_schedules(state: StateDep, _: Viewer, at: At = None) -> dict[str, object]:
    moment = at or state.ctx.clock.now()
    with state.db.read() as session:  # stored overrides count
        return {"at": moment, "items": schedule_views.overview(session, state.ctx.config, moment)}


@router.get("/schedules/{name}.ics", response_class=Response)
def schedule_calendar(
    name: str,
    state: StateDep,
    _: Viewer,
    start: From = None,
    end: To = None,
) -> Response:
    now = state.ctx.clock.now()
    first, last = schedules.span(now, start, end)
    with state.db.read() as session:  # stored overrides count
        shown = schedule_views.timeline(session, state.ctx.config, name, start=first, end=last)
    text = ical.calendar(shown.schedule.name, shown.final, now=now)
    return Response(text, media_type=CALENDAR)


@router.get("/schedules/{name}/oncall")
def schedule_on_call(name: str, state: StateDep, _: Viewer, at: At = None) -> OnCallRead:
    moment = at or state.ctx.clock.now()
    with state.db.read() as session:  # stored overrides count
        return schedule_views.who(session, state.ctx.config, name, moment)
