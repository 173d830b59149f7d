"""Upstream vendors' status, acted on: a followed component of theirs degraded or down
opens an incident on the mapped service (or notes it on the one already open there) with
the vendor's own incident text and link; new vendor updates are noted as they come; the
vendor's recovery resolves the incident warroom opened. The fetching is done elsewhere,
with no transaction open (scheduler/upstreams)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.models import Incident
from warroom.db.status_models import UpstreamState
from warroom.domain.incidents import OPEN_STATUSES, Source, Status, is_open
from warroom.domain.upstreams import Reading, Upstream
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, timeline
from warroom.services.incidents.timeline import Kind
from warroom.services.status import transitions

ACTOR = "upstream"


def due(session: Session, ctx: Context, now: datetime) -> list[Upstream]:
    """The upstreams whose next check is due (or never made)."""
    states = {s.name: s for s in session.scalars(select(UpstreamState))}
    return [
        u
        for u in ctx.config.upstreams
        if u.name not in states or states[u.name].next_check_at <= now
    ]


UNKNOWN = "unknown"  # a vendor not read yet (its public component shows operational)


def states(session: Session) -> dict[str, UpstreamState]:
    return {s.name: s for s in session.scalars(select(UpstreamState))}


@dataclass(frozen=True, slots=True)
class VendorView:
    """A vendor as the dashboard shows it (`checked_at` None: not read yet)."""

    name: str
    service: str
    status: str
    checked_at: datetime | None
    link: str
    incident_id: int | None
    error: str | None


def board(session: Session, ctx: Context) -> list[VendorView]:
    """Each configured vendor with what warroom last read of it, in config order."""
    found = states(session)
    views = []
    for upstream in ctx.config.upstreams:
        state = found.get(upstream.name)
        views.append(
            VendorView(
                name=upstream.name,
                service=upstream.service,
                status=state.status if state else UNKNOWN,
                checked_at=state.checked_at if state else None,
                link=state.vendor_link if state else "",
                incident_id=state.incident_id if state else None,
                error=state.error if state else None,
            )
        )
    return views


def _state(session: Session, upstream: Upstream, now: datetime) -> UpstreamState:
    found = session.get(UpstreamState, upstream.name, with_for_update=True)
    if found is None:
        found = UpstreamState(
            name=upstream.name,
            status=UNKNOWN,  # until a read succeeds
            fingerprint="",
            opened_by_us=False,
            checked_at=now,
            next_check_at=now,
        )
        session.add(found)
    return found


def record_failure(session: Session, ctx: Context, upstream: Upstream, error: str) -> None:
    """The vendor could not be read: noted on its state, tried again at the next poll."""
    now = ctx.clock.now()
    state = _state(session, upstream, now)
    state.error = error[:2000]
    state.checked_at = now
    state.next_check_at = now + upstream.poll_every


def _open_on_service(session: Session, service: str) -> Incident | None:
    query = (
        select(Incident)
        .where(
            Incident.service == service,
            Incident.status.in_([s.value for s in OPEN_STATUSES]),
            Incident.drill.is_(False),
        )
        .order_by(Incident.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def apply(session: Session, ctx: Context, upstream: Upstream, reading: Reading) -> None:
    """Act on what the vendor's summary says now."""
    now = ctx.clock.now()
    state = _state(session, upstream, now)
    changed = state.status != reading.status.value
    state.checked_at, state.next_check_at = now, now + upstream.poll_every
    state.error = None
    current = session.get(Incident, state.incident_id) if state.incident_id else None
    if current is not None and not is_open(Status(current.status)):
        current, state.incident_id, state.opened_by_us = None, None, False
    if reading.down and current is None:
        _open_or_note(session, ctx, upstream, reading, state)
    elif reading.down and current is not None and reading.fingerprint != state.fingerprint:
        _note(session, current, reading.text(upstream.name), now)
    elif not reading.down and current is not None:
        text = f"{upstream.name} reports its service recovered."
        if state.opened_by_us:
            lifecycle.change_status(
                session,
                ctx=ctx,
                actor=ACTOR,
                incident_id=current.id,
                status=Status.RESOLVED,
                message=text,
                by_system=True,
            )
        else:
            _note(session, current, text, now)
        state.incident_id, state.opened_by_us = None, False
    state.status = reading.status.value
    state.fingerprint = reading.fingerprint
    state.vendor_link = reading.link
    if changed and upstream.show:
        transitions.note(session, ctx)


def _open_or_note(
    session: Session, ctx: Context, upstream: Upstream, reading: Reading, state: UpstreamState
) -> None:
    now = ctx.clock.now()
    text = reading.text(upstream.name)
    service = ctx.config.check_service(upstream.service) or upstream.service
    existing = _open_on_service(session, service)
    if existing is not None:
        _note(session, existing, text, now)
        state.incident_id, state.opened_by_us = existing.id, False
        return
    title = (
        f"{upstream.name}: {reading.incidents[0].name}"
        if reading.incidents and reading.incidents[0].name
        else f"{upstream.name} reports {reading.status.value.replace('_', ' ')}"
    )
    incident = lifecycle.declare(
        session,
        ctx=ctx,
        actor=ACTOR,
        title=title[:200],
        severity=upstream.severity,
        service=service,
        summary=text,
        source=Source.CHECK,
    )
    state.incident_id, state.opened_by_us = incident.id, True


def _note(session: Session, incident: Incident, text: str, now: datetime) -> None:
    timeline.record(
        session, incident, kind=Kind.NOTE, actor=ACTOR, at=now, now=now, text=text[:10_000]
    )
