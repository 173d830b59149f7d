"""Scheduled maintenance: planned windows shown ahead of time. The scheduler starts each
window (its components go under maintenance) and ends it (they come back)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.status_models import Maintenance as Maintenance
from warroom.db.status_models import MaintenanceUpdate
from warroom.domain.status_page import MaintenanceStatus
from warroom.errors import Conflict, Invalid, NotFound
from warroom.services import audit, jobs
from warroom.services.context import Context
from warroom.services.incidents.inputs import clean
from warroom.services.paging.messages import Text
from warroom.services.status import subscribers, transitions
from warroom.services.status.subscribers import clean_components

START = "maintenance_start"
END = "maintenance_end"
LONGEST = timedelta(days=31)


def get(session: Session, maintenance_id: int) -> Maintenance:
    found = session.get(Maintenance, maintenance_id) if 0 < maintenance_id < 2**31 else None
    if found is None:
        raise NotFound(f"There is no maintenance {maintenance_id}.", field="id")
    return found


def schedule(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    title: str,
    components: list[str],
    starts_at: datetime,
    ends_at: datetime,
    message: str | None = None,
) -> Maintenance:
    """Plan a window; refuses an end before its start, a window in the past or longer
    than 31 days, and unknown components."""
    name = clean(title, "title", 200)
    if not name:
        raise Invalid("title must not be empty.", field="title")
    if not components:
        raise Invalid("name at least one component.", field="components")
    ids = clean_components(ctx.config, components)
    now = ctx.clock.now()
    if ends_at <= starts_at:
        raise Invalid("ends_at must be after starts_at.", field="ends_at")
    if ends_at <= now:
        raise Invalid("ends_at is in the past.", field="ends_at")
    if ends_at - starts_at > LONGEST:
        raise Invalid("a window may last 31 days at most.", field="ends_at")
    row = Maintenance(
        title=name,
        components=ids,
        starts_at=starts_at,
        ends_at=ends_at,
        status=MaintenanceStatus.SCHEDULED.value,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    body = clean(message, "message", 10_000) or f"{name} is planned; we will post here as it goes."
    session.add(MaintenanceUpdate(maintenance_id=row.id, at=now, status="scheduled", body=body))
    _tell(session, ctx, row, body)
    jobs.schedule(session, kind=START, due_at=max(now, starts_at), now=now, payload={"id": row.id})
    jobs.schedule(session, kind=END, due_at=ends_at, now=now, payload={"id": row.id})
    transitions.note(session, ctx)
    return row


def post_update(
    session: Session, *, ctx: Context, actor: str, maintenance_id: int, message: str
) -> MaintenanceUpdate:
    row = get(session, maintenance_id)
    body = clean(message, "message", 10_000)
    if not body:
        raise Invalid("message must not be empty.", field="message")
    if row.status == MaintenanceStatus.COMPLETED:
        raise Conflict(f"maintenance {row.id} is completed.", field="id")
    now = ctx.clock.now()
    update = MaintenanceUpdate(maintenance_id=row.id, at=now, status=row.status, body=body)
    session.add(update)
    row.updated_at = now
    transitions.note(session, ctx)
    subject = f"maintenance {row.id}"
    audit.record(session, ctx=ctx, actor=actor, action="maintenance.update", subject=subject)
    return update


def _move(
    session: Session, ctx: Context, job: jobs.Claimed, to: MaintenanceStatus, text: str
) -> None:
    row = session.get(Maintenance, int(job.payload["id"]))
    if row is None or row.status == MaintenanceStatus.COMPLETED:
        return
    if to == MaintenanceStatus.IN_PROGRESS and row.status != MaintenanceStatus.SCHEDULED:
        return
    now = ctx.clock.now()
    row.status = to.value
    row.updated_at = now
    session.add(MaintenanceUpdate(maintenance_id=row.id, at=now, status=to.value, body=text))
    _tell(session, ctx, row, text)
    transitions.note(session, ctx)


def _tell(session: Session, ctx: Context, row: Maintenance, text: str) -> None:
    """The subscribers of its components hear of a maintenance window's changes."""
    page = ctx.config.status_page
    status = row.status.replace("_", " ")
    when = f"{row.starts_at:%Y-%m-%d %H:%M} to {row.ends_at:%Y-%m-%d %H:%M} UTC"
    message = Text(
        f"[{page.branding.name}] Maintenance: {row.title}: {status}",
        f"{row.title}\nStatus: {status}\nWhen: {when}\n\n{text}\n\n"
        f"Follow it at {ctx.public_url}/status",
    )
    data = {
        "scheduled_maintenance": {
            "id": f"maintenance-{row.id}",
            "name": row.title,
            "status": row.status,
            "scheduled_for": row.starts_at.isoformat(),
            "scheduled_until": row.ends_at.isoformat(),
            "components": list(row.components),
        }
    }
    subscribers.notify(session, ctx=ctx, components=tuple(row.components), text=message, data=data)


def start(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    _move(session, ctx, job, MaintenanceStatus.IN_PROGRESS, "The maintenance is under way.")


def end(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    _move(session, ctx, job, MaintenanceStatus.COMPLETED, "The maintenance is over.")


def listing(session: Session) -> list[Maintenance]:
    return list(
        session.scalars(select(Maintenance).order_by(Maintenance.starts_at.desc()).limit(200))
    )
