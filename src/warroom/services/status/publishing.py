"""Publishing incidents: an incident is internal until someone publishes it, posts a
public update (which publishes it), or a rule does (`publish_severities`). A public
update reaches the page (its cache is emptied on commit), the subscribers (through the
outbox) and arms a reminder for the level's `public_update_every`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident
from warroom.db.status_models import Publication
from warroom.domain.incidents import Status, is_open, ref_of
from warroom.domain.status_page import PUBLIC_STATUS
from warroom.errors import Conflict, NotFound
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import timeline
from warroom.services.incidents.inputs import clean
from warroom.services.incidents.timeline import Kind
from warroom.services.paging.messages import Text
from warroom.services.status import subscribers, transitions

PUBLIC_UPDATE_DUE = "public_update_due"
SYSTEM = "warroom"


def _incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"{ref_of(incident_id)} does not exist.", field="ref")
    return incident


def is_public(session: Session, ctx: Context, incident: Incident) -> bool:
    if incident.drill:
        return False
    if incident.severity in ctx.config.status_page.publish_severities:
        return True
    return session.get(Publication, incident.id) is not None


def publish(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    title: str | None = None,
) -> Publication:
    """Show the incident on the status page (under `title`, else its own title)."""
    incident = _incident(session, incident_id)
    if incident.drill:
        raise Conflict(f"{ref_of(incident.id)} is a drill; drills are never public.", field="ref")
    now = ctx.clock.now()
    shown = clean(title, "title", 200) or None
    found = session.get(Publication, incident.id)
    new = found is None
    if found is None:
        found = Publication(
            incident_id=incident.id, title=shown, published_at=now, published_by=actor
        )
        session.add(found)
    elif shown:
        found.title = shown
    if actor != SYSTEM:  # published by a public update: that update says so itself
        said = "Published on the status page" if new else "Public title changed"
        timeline.record(
            session,
            incident,
            kind=Kind.NOTE,
            actor=actor,
            at=now,
            now=now,
            text=said + (f" as {shown!r}" if shown else ""),
        )
        if new:
            _arm_reminder(session, ctx, incident, since=now)
    transitions.note(session, ctx)
    return found


def on_public_update(
    session: Session, *, ctx: Context, incident: Incident, text: str, at: datetime
) -> None:
    """A public update was posted: publish the incident, tell the subscribers, re-arm the
    reminder. Drills stay private."""
    if incident.drill:
        return
    publication = session.get(Publication, incident.id)
    if publication is None and incident.severity not in ctx.config.status_page.publish_severities:
        publication = publish(session, ctx=ctx, actor=SYSTEM, incident_id=incident.id)
    name = publication.title if publication and publication.title else incident.title
    status = PUBLIC_STATUS[Status(incident.status)].value
    page = ctx.config.status_page
    components = tuple(
        c.id
        for c in page.components
        if incident.service and incident.service.lower() in {s.lower() for s in c.services}
    )
    link = f"{ctx.public_url}/status"
    message = Text(
        f"[{page.branding.name}] {name}: {status}",
        f"{name}\nStatus: {status}\n\n{text}\n\nFollow it at {link}",
    )
    data = {
        "page": {"id": page.branding.name, "url": link},
        "incident": {
            "id": ref_of(incident.id),
            "name": name,
            "status": status,
            "shortlink": link,
            "incident_updates": [{"status": status, "body": text, "display_at": at.isoformat()}],
            "components": list(components),
        },
    }
    subscribers.notify(session, ctx=ctx, components=components, text=message, data=data)
    _arm_reminder(session, ctx, incident, since=at)
    transitions.note(session, ctx)


def _arm_reminder(session: Session, ctx: Context, incident: Incident, *, since: datetime) -> None:
    if incident.severity not in ctx.config.level_ids:
        return
    every = ctx.config.severity(incident.severity).public_update_every
    if every is None or not is_open(Status(incident.status)):
        return
    now = ctx.clock.now()
    jobs.schedule(
        session,
        kind=PUBLIC_UPDATE_DUE,
        due_at=max(now, since + every),
        now=now,
        incident_id=incident.id,
        payload={"since": since.isoformat()},
    )


def public_update_due(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """The reminder's job: note on the timeline that the public has waited too long,
    unless a public update came since, or the incident closed or stopped being public."""
    if job.incident_id is None:
        return
    incident = _incident(session, job.incident_id)
    if not is_open(Status(incident.status)) or not is_public(session, ctx, incident):
        return
    since = datetime.fromisoformat(job.payload["since"])
    newer = select(Event.id).where(
        Event.incident_id == incident.id,
        Event.kind == Kind.UPDATE.value,
        Event.visibility == "public",
        Event.at > since,
    )
    if session.scalar(select(exists(newer))):
        return
    now = ctx.clock.now()
    every = ctx.config.severity(incident.severity).public_update_every
    timeline.record(
        session,
        incident,
        kind=Kind.UPDATE_OVERDUE,
        actor=SYSTEM,
        at=now,
        now=now,
        text=f"No public update for {every}: post one for the status page and subscribers.",
        data={"public": True},
    )
