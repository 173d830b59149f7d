"""Stakeholder updates: the people a severity names (`[status_page.stakeholders]`, e.g.
leadership for P0) get a progress update when the incident opens and then at the level's
`update_every` while it stays open, by their own contacts through the outbox. The update
follows the runbooks' progress template: the incident's channel, its status, impact,
what is being done and when the next update comes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Event, Incident
from warroom.domain.incidents import Status, is_open, ref_of
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.paging import deliveries
from warroom.services.paging.messages import Text

STAKEHOLDER_UPDATE = "stakeholder_update"
MESSAGE = "stakeholder_update"
ACTIONS = 3  # the latest updates listed under "what we are doing"


def first_job(ctx: Context, incident: Incident) -> list[jobs.JobSpec]:
    """The first progress update of a new incident, if its level has stakeholders."""
    if not ctx.config.status_page.stakeholders.get(incident.severity):
        return []
    return [jobs.JobSpec(STAKEHOLDER_UPDATE, incident.declared_at, incident.id, {})]


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def progress_text(session: Session, ctx: Context, incident: Incident, *, now: datetime) -> Text:
    level = ctx.config.severity(incident.severity)
    ref = ref_of(incident.id)
    latest = session.scalars(
        select(Event)
        .where(Event.incident_id == incident.id, Event.kind.in_(("update", "status", "declared")))
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(ACTIONS)
    ).all()
    actions = "\n".join(f"- {_when(e.at)}: {e.text}" for e in latest) or "- none recorded yet"
    following = now + level.update_every if level.update_every else None
    lines = [
        f"Progress update · {ref} {incident.title}",
        f"Channel: #{incident.channel}",
        f"Time: {_when(now)}",
        f"Severity: {incident.severity} ({level.name})",
        f"Status: {incident.status}",
        f"Impact: {incident.impact or 'not assessed yet'}",
        f"Commander: {incident.commander or 'none yet'}",
        "Current actions:",
        actions,
        f"Next update: {_when(following) if following else 'when something changes'}",
        f"Follow it: {ctx.public_url}/incidents/{ref}",
    ]
    subject = f"[{incident.severity}] {ref} {incident.title}: {incident.status}"
    return Text(subject[:250], "\n".join(lines))


def send_update(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """The job: send the progress update to the level's stakeholders, then plan the next
    one at the level's cadence while the incident stays open."""
    if job.incident_id is None:
        return
    incident = session.get(Incident, job.incident_id)
    if incident is None or not is_open(Status(incident.status)) or incident.drill:
        return
    targets = list(ctx.config.status_page.stakeholders.get(incident.severity, ()))
    if not targets:
        return
    now = ctx.clock.now()
    text = progress_text(session, ctx, incident, now=now)
    names, _ = lookup.resolve(session, ctx.config, targets, now)
    for name in sorted(set(names)):
        person = lookup.person(session, ctx.config, name)
        if person is not None:
            deliveries.enqueue(
                session,
                person=person,
                text=text,
                kind=MESSAGE,
                incident_id=incident.id,
                now=now,
                data={"incident": ref_of(incident.id), "status": incident.status},
            )
    every = ctx.config.severity(incident.severity).update_every
    if every is not None:
        jobs.schedule(
            session, kind=STAKEHOLDER_UPDATE, due_at=now + every, now=now, incident_id=incident.id
        )
