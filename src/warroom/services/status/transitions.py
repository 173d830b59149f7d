"""Every change of a component's public status is a row, the automatic ones too.

A component's status follows its open public incidents, maintenance windows and vendors
unless someone sets it by hand, and the page computes it when asked. So that each change
is kept, a use case that changes what the page shows calls `note` in its transaction: the
public cache goes out of date and a job is scheduled (one, however many changes) that
compares the statuses shown now with the last ones recorded and writes a row for each
component that differs, with its cause. Recorders take turns (a named lock on PostgreSQL,
the one writer on SQLite), and each row names the row it follows, unique per component,
so no change is written twice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.advisory import take_turns
from warroom.db.status_models import ComponentChange, ComponentTransition
from warroom.domain.status_page import ComponentStatus
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.status import snapshot
from warroom.services.status.cache import mark_changed

RECORD = "component_statuses_record"
TURN = "component_transitions"
OPERATIONAL = ComponentStatus.OPERATIONAL.value


def note(session: Session, ctx: Context) -> None:
    """What the page shows may have changed: out of date in the cache, and recorded (by
    a job, after this transaction commits)."""
    mark_changed(session)
    now = ctx.clock.now()
    jobs.schedule_once(session, kind=RECORD, due_at=now, now=now)


def note_services(session: Session, ctx: Context, services: Iterable[str | None]) -> None:
    """`note`, when one of these incidents' services is a shown component's."""
    components = ctx.config.status_page.components
    shown = {s.lower() for c in components if c.shown for s in c.services}
    if any(service and service.lower() in shown for service in services):
        note(session, ctx)


@dataclass(frozen=True, slots=True)
class Cause:
    kind: str  # incident, maintenance, upstream, person, none
    what: str  # INC-4, the maintenance's title, the vendor, who


def record_job(session: Session, ctx: Context, _: jobs.Claimed) -> None:
    record(session, ctx)


def record(session: Session, ctx: Context) -> int:
    """Write a row for each shown component whose status differs from its last recorded
    one (none yet: operational); returns how many."""
    take_turns(session, TURN)
    snap = snapshot.build(session, ctx)
    now = ctx.clock.now()
    last = _last(session)
    hand = _last_by_hand(session)
    written = 0
    for view in snap.components:
        before = last.get(view.component.id)
        previous = before.status if before else OPERATIONAL
        if view.status.value == previous:
            continue
        cause = _cause(ctx, snap, view, hand.get(view.component.id), before)
        at = min(now, view.updated_at)
        if before is not None:
            at = max(at, before.at)
        row = ComponentTransition(
            component=view.component.id,
            after_id=before.id if before else 0,
            previous=previous,
            status=view.status.value,
            cause_kind=cause.kind,
            cause=cause.what[:200],
            at=at,
            recorded_at=now,
        )
        session.add(row)
        written += 1
    return written


def _last(session: Session) -> dict[str, ComponentTransition]:
    latest = select(func.max(ComponentTransition.id)).group_by(ComponentTransition.component)
    rows = session.scalars(select(ComponentTransition).where(ComponentTransition.id.in_(latest)))
    return {row.component: row for row in rows}


def _last_by_hand(session: Session) -> dict[str, ComponentChange]:
    latest = select(func.max(ComponentChange.id)).group_by(ComponentChange.component)
    rows = session.scalars(select(ComponentChange).where(ComponentChange.id.in_(latest)))
    return {row.component: row for row in rows}


def _cause(
    ctx: Context,
    snap: snapshot.Snapshot,
    view: snapshot.ComponentView,
    hand: ComponentChange | None,
    before: ComponentTransition | None,
) -> Cause:
    """Why a component shows what it shows: who set it, what made it so, or (back to
    operational) what ended, as the previous row said."""
    component, status = view.component.id, view.status
    if hand is not None and hand.status is not None:
        return Cause("person", hand.actor)
    if any(u.show and u.name == view.component.name for u in ctx.config.upstreams):
        return Cause("upstream", view.component.name)
    if status == ComponentStatus.UNDER_MAINTENANCE:
        for window in snap.active_maintenances:
            if component in window.components:
                return Cause("maintenance", window.name)
    if status != ComponentStatus.OPERATIONAL:
        refs = [
            i.ref
            for i in snap.unresolved
            if component in i.components and i.component_status == status
        ]
        if refs:
            return Cause("incident", ", ".join(refs))
    if hand is not None and (before is None or hand.at >= before.recorded_at):
        return Cause("person", hand.actor)  # set back to following the incidents
    if before is not None:
        return Cause(before.cause_kind, before.cause)
    return Cause("none", "")


def history(
    session: Session, *, component: str | None = None, limit: int = 200
) -> list[ComponentTransition]:
    """The latest changes first (of one component if given)."""
    query = select(ComponentTransition).order_by(ComponentTransition.id.desc()).limit(limit)
    if component is not None:
        query = query.where(ComponentTransition.component == component)
    return list(session.scalars(query))


def describe(row: ComponentTransition) -> str:
    """The cause in words, e.g. `incident INC-4`, `set by alice`."""
    if row.cause_kind == "person":
        return f"set by {row.cause}"
    if row.cause_kind == "none" or not row.cause:
        return "—"
    return f"{row.cause_kind} {row.cause}"


def as_dict(row: ComponentTransition) -> dict[str, object]:
    return {
        "id": row.id,
        "component": row.component,
        "from": row.previous,
        "to": row.status,
        "cause": {"kind": row.cause_kind, "what": row.cause},
        "at": row.at.isoformat(),
    }
