"""Incident roles: commander, comms and scribe are one person each; responders accumulate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.domain import incidents as rules
from warroom.domain.incidents import Role
from warroom.errors import Conflict, Invalid
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents.inputs import clean
from warroom.services.incidents.lifecycle import get, refuse_if_closed, touch
from warroom.services.incidents.timeline import Kind, record


def responders_of(incident: Incident) -> list[str]:
    return [name for name in incident.responders.split("\n") if name]


def assign_role(
    session: Session, *, ctx: Context, actor: str, incident_id: int, role: Role, person: str
) -> Incident:
    name = clean(person, "person", 120)
    if not name:
        raise Invalid("person must not be empty.", field="person")
    lookup.vet_person(session, ctx.config, name, field="person")
    incident = get(session, incident_id, for_update=True)
    refuse_if_closed(incident)
    ref = rules.ref_of(incident.id)
    if role == Role.RESPONDER:
        names = responders_of(incident)
        if name in names:
            raise Conflict(f"{name} is already a responder on {ref}.", field="person")
        incident.responders = "\n".join([*names, name])
        text = f"{name} joined as responder"
    else:
        previous = getattr(incident, role.value)
        if previous == name:
            raise Conflict(f"{name} is already {role} of {ref}.", field="person")
        setattr(incident, role.value, name)
        text = f"{name} is {role}" + (f" (was {previous})" if previous else "")
    now = ctx.clock.now()
    touch(incident, now)
    record(
        session,
        incident,
        kind=Kind.ROLE,
        actor=actor,
        at=now,
        now=now,
        text=text,
        data={"role": role.value, "person": name},
    )
    return incident
