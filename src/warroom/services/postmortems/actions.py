"""Action items: what the team will change after an incident, each with an owner (a
person warroom knows), a due date, a kind and a status. The owner is reminded when one
falls due still open, and again every `action_reminder_every` (a day by default) until it
is done or dropped: each reminder is a job that schedules the next, and the item counts
the reminders it has had, so a period's reminder goes out once however many jobs reach it.
An item can be copied out as a GitHub-style issue body."""

from __future__ import annotations

from datetime import UTC, datetime, time

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.learning import ActionItem
from warroom.db.models import Incident
from warroom.domain.durations import format_duration
from warroom.domain.incidents import ref_of
from warroom.domain.postmortems import (
    ActionKind,
    ActionStatus,
    listed_actions,
    parse_kind,
    reminder_period,
)
from warroom.errors import Invalid, NotFound
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.directory import lookup
from warroom.services.incidents import lifecycle, timeline
from warroom.services.incidents.inputs import clean
from warroom.services.incidents.timeline import Kind
from warroom.services.paging import escalation
from warroom.services.postmortems import documents

ACTION_DUE = "action_due"
MAX_LISTED = 500


class ActionRead(BaseModel):
    id: int
    incident: str
    incident_title: str
    title: str
    owner: str
    kind: str
    status: str
    due_at: datetime
    overdue: bool
    created_by: str
    created_at: datetime
    done_at: datetime | None


def view(item: ActionItem, incident: Incident, now: datetime) -> ActionRead:
    return ActionRead(
        id=item.id,
        incident=ref_of(item.incident_id),
        incident_title=incident.title,
        title=item.title,
        owner=item.owner,
        kind=item.kind,
        status=item.status,
        due_at=item.due_at,
        overdue=item.status == ActionStatus.OPEN and item.due_at < now,
        created_by=item.created_by,
        created_at=item.created_at,
        done_at=item.done_at,
    )


def create(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    incident_id: int,
    title: str,
    owner: str,
    due_at: datetime,
    kind: ActionKind,
) -> ActionRead:
    """Add an item; its owner must be a person warroom knows and its due date ahead."""
    text = clean(title, "title", 200)
    if not text:
        raise Invalid("title must not be empty.", field="title")
    owner = clean(owner, "owner", 80)
    if lookup.person(session, ctx.config, owner) is None:
        raise Invalid(
            f"owner {owner!r} is not a person warroom knows (see `warroom person ls`).",
            field="owner",
        )
    now = ctx.clock.now()
    if due_at.tzinfo is None:
        raise Invalid("due_at must include a time zone.", field="due_at")
    if due_at <= now:
        raise Invalid(f"due_at {due_at.isoformat()} is in the past.", field="due_at")
    incident = lifecycle.get(session, incident_id)
    item = ActionItem(
        incident_id=incident.id,
        title=text,
        owner=owner,
        kind=kind.value,
        status=ActionStatus.OPEN.value,
        due_at=due_at,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    _schedule_reminder(session, item, due_at=due_at, now=now)
    timeline.record(
        session,
        incident,
        kind=Kind.NOTE,
        actor=actor,
        at=now,
        now=now,
        text=f"Action item #{item.id} for {owner}: {text}",
        data={"action_item": item.id},
    )
    return view(item, incident, now)


def _item(session: Session, item_id: int, *, for_update: bool = False) -> ActionItem:
    if not 0 < item_id <= lifecycle.MAX_ID:  # ids are 32-bit: nothing lies beyond
        raise NotFound(f"There is no action item #{item_id}.", field="id")
    item = session.get(ActionItem, item_id, with_for_update=for_update)
    if item is None:
        raise NotFound(f"There is no action item #{item_id}.", field="id")
    return item


def get(session: Session, *, ctx: Context, item_id: int) -> ActionRead:
    item = _item(session, item_id)
    return view(item, lifecycle.get(session, item.incident_id), ctx.clock.now())


def set_status(
    session: Session, *, ctx: Context, actor: str, item_id: int, status: ActionStatus
) -> ActionRead:
    item = _item(session, item_id, for_update=True)
    now = ctx.clock.now()
    if status == ActionStatus.OPEN and item.status != ActionStatus.OPEN:  # open again
        _schedule_reminder(session, item, due_at=max(item.due_at, now), now=now)
    item.status = status.value
    item.updated_at = now
    item.done_at = now if status == ActionStatus.DONE else None
    incident = lifecycle.get(session, item.incident_id)
    timeline.record(
        session,
        incident,
        kind=Kind.NOTE,
        actor=actor,
        at=now,
        now=now,
        text=f"Action item #{item.id} {status.value}: {item.title}",
        data={"action_item": item.id},
    )
    return view(item, incident, now)


def listed(
    session: Session,
    *,
    ctx: Context,
    owner: str | None = None,
    overdue: bool = False,
    incident_id: int | None = None,
    status: ActionStatus | None = ActionStatus.OPEN,
) -> list[ActionRead]:
    """Items by due date, soonest first: open ones unless `status` says otherwise."""
    now = ctx.clock.now()
    query = select(ActionItem, Incident).join(Incident, Incident.id == ActionItem.incident_id)
    if owner:
        query = query.where(ActionItem.owner == owner)
    if incident_id is not None:
        query = query.where(ActionItem.incident_id == incident_id)
    if overdue:
        query = query.where(ActionItem.status == ActionStatus.OPEN.value, ActionItem.due_at < now)
    elif status is not None:
        query = query.where(ActionItem.status == status.value)
    query = query.order_by(ActionItem.due_at, ActionItem.id).limit(MAX_LISTED)
    return [view(item, incident, now) for item, incident in session.execute(query)]


def _schedule_reminder(
    session: Session, item: ActionItem, *, due_at: datetime, now: datetime
) -> None:
    jobs.schedule(
        session,
        kind=ACTION_DUE,
        due_at=due_at,
        now=now,
        incident_id=item.incident_id,
        payload={"item": item.id},
    )


def remind(session: Session, ctx: Context, job: jobs.Claimed) -> None:
    """An item is due, or still open a period later: its owner hears of it once for the
    period, and the next period's reminder is scheduled. A job for a period already
    reminded (a second job for the same item) does nothing, so the chain stays one."""
    item = session.get(ActionItem, int(job.payload.get("item", 0)), with_for_update=True)
    if item is None or item.status != ActionStatus.OPEN:
        return
    now = ctx.clock.now()
    every = ctx.config.action_reminder_every
    if now < item.due_at:  # not due yet: wait for it
        _schedule_reminder(session, item, due_at=item.due_at, now=now)
        return
    period = reminder_period(item.due_at, now, every)
    if item.reminders > period:
        return
    item.reminders = period + 1
    _schedule_reminder(session, item, due_at=item.due_at + (period + 1) * every, now=now)
    incident = lifecycle.get(session, item.incident_id)
    reached = escalation.notify(
        session,
        ctx=ctx,
        incident=incident,
        names=[item.owner],
        kind=ACTION_DUE,
        now=now,
        item=item,
    )
    who = f" ({', '.join(reached)} reminded)" if reached else " (its owner has no contact)"
    late = format_duration(period * every)
    state = "is due" if period == 0 else f"is still open {late} after it was due"
    timeline.record(
        session,
        incident,
        kind=Kind.NOTE,
        actor="warroom",
        at=now,
        now=now,
        text=f"Action item #{item.id} {state}{who}: {item.title}",
        data={"action_item": item.id, "people": reached, "reminder": period + 1},
    )


def issue_body(item: ActionRead, public_url: str) -> str:
    """The item as a GitHub-style issue body (Markdown), for teams that track work there."""
    return (
        f"### {item.title}\n\n"
        f"- **Kind:** {item.kind}\n"
        f"- **Owner:** {item.owner}\n"
        f"- **Due:** {item.due_at:%Y-%m-%d}\n"
        f"- **Status:** {item.status}\n"
        f"- **From incident:** [{item.incident} {item.incident_title}]"
        f"({public_url}/incidents/{item.incident})\n\n"
        f"Action item #{item.id}, from the post-mortem of {item.incident}.\n"
    )


def from_postmortem(
    session: Session, *, ctx: Context, actor: str, incident_id: int
) -> list[ActionRead]:
    """Make the action items the post-mortem's "Action items" section lists
    (`- [ ] Title (kind, owner NAME, due YYYY-MM-DD)`) that the incident does not have yet
    (by title); all or none: a bad line is refused naming its line and field."""
    body = documents.get(session, incident_id).body
    have = set(
        session.scalars(select(ActionItem.title).where(ActionItem.incident_id == incident_id))
    )
    made = []
    for listed in listed_actions(body):
        if listed.title in have:
            continue
        try:
            made.append(
                create(
                    session,
                    ctx=ctx,
                    actor=actor,
                    incident_id=incident_id,
                    title=listed.title,
                    owner=listed.owner,
                    due_at=datetime.combine(listed.due, time(23, 59), UTC),
                    kind=parse_kind(listed.kind),
                )
            )
        except Invalid as exc:
            raise Invalid(f"line {listed.line}: {exc.message}", field=exc.field) from None
        have.add(listed.title)
    return made
