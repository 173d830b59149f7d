"""A person's open incidents: those where they hold a role (commander, comms, scribe,
or responder)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.services.incidents.queries import OPEN_LITERAL
from warroom.services.incidents.roles import responders_of

LIMIT = 50


def open_for(session: Session, name: str, *, limit: int = LIMIT) -> list[Incident]:
    query = (
        select(Incident)
        .where(
            Incident.status.in_(OPEN_LITERAL),
            or_(
                Incident.commander == name,
                Incident.comms == name,
                Incident.scribe == name,
                Incident.responders.contains(name, autoescape=True),
            ),
        )
        .order_by(Incident.id.desc())
        .limit(limit)
    )
    found = session.scalars(query)
    return [
        i for i in found if name in (i.commander, i.comms, i.scribe) or name in responders_of(i)
    ]
