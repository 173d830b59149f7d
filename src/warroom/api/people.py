"""/api/v1/people: everyone warroom can page (config and stored), their on-call calendar,
a test message to their contacts, and turning a disabled contact back on. Reading needs a
viewer; changing needs an admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from warroom.api.deps import Admin, StateDep, Viewer
from warroom.api.schedules import CALENDAR, From, To
from warroom.errors import NotFound
from warroom.services.directory import people, schedules
from warroom.services.directory.views import PersonRead, find_person, people_views, stored_person
from warroom.services.paging import deliveries, failing_contacts

router = APIRouter(prefix="/api/v1", tags=["people"])


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=80)
    email: str | None = None
    timezone: str = "UTC"
    contacts: list[str] = Field(default_factory=list, max_length=20)


class PersonUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = None
    timezone: str | None = None
    contacts: list[str] | None = Field(default=None, max_length=20)


class TestQueued(BaseModel):
    person: str
    queued: int


@router.get("/people")
def list_people(state: StateDep, _: Viewer) -> dict[str, list[PersonRead]]:
    with state.db.read() as session:
        return {"items": people_views(session, state.ctx.config)}


@router.post("/people", status_code=201)
def add_person(body: PersonCreate, state: StateDep, token: Admin) -> PersonRead:
    with state.db.write.begin() as session:
        row = people.add(session, ctx=state.ctx, actor=token.name, fields=body.model_dump())
        return stored_person(session, row)


@router.get("/people/{name}.ics", response_class=Response)
def person_calendar(
    name: str,
    state: StateDep,
    _: Viewer,
    start: From = None,
    end: To = None,
) -> Response:
    """The person's shifts in every schedule, as iCalendar."""
    now = state.ctx.clock.now()
    first, last = schedules.span(now, start, end)
    with state.db.read() as session:
        text = schedules.person_feed(
            session, state.ctx.config, name, start=first, end=last, now=now
        )
    return Response(text, media_type=CALENDAR)


@router.get("/people/{name}")
def get_person(name: str, state: StateDep, _: Viewer) -> PersonRead:
    with state.db.read() as session:
        found = find_person(session, state.ctx.config, name)
    if found is None:
        raise NotFound(f"There is no person named {name!r}.", field="name")
    return found


@router.patch("/people/{name}")
def change_person(name: str, body: PersonUpdate, state: StateDep, token: Admin) -> PersonRead:
    changes: dict[str, Any] = body.model_dump(include=body.model_fields_set)
    with state.db.write.begin() as session:
        row = people.update(session, ctx=state.ctx, actor=token.name, name=name, changes=changes)
        return stored_person(session, row)


@router.delete("/people/{name}")
def remove_person(name: str, state: StateDep, token: Admin) -> PersonRead:
    with state.db.write.begin() as session:
        view = stored_person(session, people.stored(session, state.ctx, name))
        people.remove(session, ctx=state.ctx, actor=token.name, name=name)
    return view


@router.post("/people/{name}/test", status_code=202)
def test_person(name: str, state: StateDep, token: Admin) -> TestQueued:
    """Queue a test message to each of the person's working contacts."""
    with state.db.write.begin() as session:
        count = deliveries.send_test(session, ctx=state.ctx, actor=token.name, name=name)
    return TestQueued(person=name, queued=count)


@router.post("/people/{name}/contacts/{contact}/enable")
def enable_contact(name: str, contact: str, state: StateDep, token: Admin) -> PersonRead:
    """Let paging use a contact that was disabled after failing (`contact`: its id)."""
    with state.db.write.begin() as session:
        failing_contacts.enable(
            session, ctx=state.ctx, actor=token.name, person=name, contact=contact
        )
        found = find_person(session, state.ctx.config, name)
    assert found is not None  # enable refuses an unknown person
    return found
