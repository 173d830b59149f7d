"""Closing is how a team says the post-mortem is done: an incident whose severity needs
one closes once it is published, or when an admin overrides with a reason."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.learning import Postmortem
from warroom.db.models import Incident
from warroom.domain.incidents import ref_of
from warroom.domain.postmortems import State
from warroom.errors import Conflict
from warroom.services.context import Context


def published(session: Session, incident_id: int) -> bool:
    state = session.scalar(select(Postmortem.state).where(Postmortem.incident_id == incident_id))
    return state == State.PUBLISHED


def refuse_unless_done(
    session: Session, ctx: Context, incident: Incident, *, override: str | None
) -> str | None:
    """Refuse to close an incident whose required post-mortem is not published, unless
    `override` (an admin's reason) is given; the override's line for the timeline, if
    one was needed."""
    level = ctx.config.severity(incident.severity)
    if not level.postmortem_required or incident.drill or published(session, incident.id):
        return None
    reason = (override or "").strip()
    if not reason:
        raise Conflict(
            f"{ref_of(incident.id)} needs a published post-mortem before it closes "
            f"({level.id} requires one); an admin may close it anyway with a reason.",
            field="postmortem",
        )
    return f"Closed without a published post-mortem: {reason}"
