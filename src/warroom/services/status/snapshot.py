"""The public snapshot: everything the status page, its JSON and its feeds show, read in
one go. Only what is public is read: published incidents' public updates (with their
public status), never their internal timeline, summary, people or alerts; drills never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warroom.db.learning import Postmortem
from warroom.db.models import Event, Incident
from warroom.db.status_models import (
    ComponentChange,
    Maintenance,
    MaintenanceUpdate,
    Publication,
    UpstreamState,
)
from warroom.domain import uptime
from warroom.domain.incidents import OPEN_STATUSES, Status, ref_of
from warroom.domain.status_page import (
    INDICATOR_WORDS,
    PUBLIC_STATUS,
    Branding,
    Component,
    ComponentStatus,
    Impact,
    PublicStatus,
    component_status_for,
    impact_for,
    indicator,
    slug,
    worst_component,
)
from warroom.services.context import Context

STATUS_KINDS = ("acknowledged", "status", "reopened")
RECENT = 50  # incidents in incidents.json, as Statuspage lists


@dataclass(frozen=True, slots=True)
class PublicUpdate:
    id: str
    status: str
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PublicIncident:
    id: int
    ref: str
    name: str
    status: PublicStatus
    impact: Impact
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: tuple[PublicUpdate, ...]  # newest first
    components: tuple[str, ...]  # component ids
    component_status: ComponentStatus  # what it does to them while open

    @property
    def unresolved(self) -> bool:
        return self.status not in (PublicStatus.RESOLVED, PublicStatus.POSTMORTEM)


@dataclass(frozen=True, slots=True)
class ComponentView:
    component: Component
    position: int
    status: ComponentStatus
    updated_at: datetime
    days: tuple[uptime.DayUptime, ...]

    @property
    def uptime(self) -> float:
        return uptime.overall(list(self.days))


@dataclass(frozen=True, slots=True)
class MaintenanceView:
    id: int
    name: str
    status: str
    scheduled_for: datetime
    scheduled_until: datetime
    created_at: datetime
    updated_at: datetime
    components: tuple[str, ...]
    updates: tuple[PublicUpdate, ...]  # newest first

    @property
    def active(self) -> bool:
        return self.status in ("in_progress", "verifying")


@dataclass(frozen=True, slots=True)
class Snapshot:
    branding: Branding
    page_id: str
    url: str
    built_at: datetime
    updated_at: datetime
    indicator: str
    description: str
    components: tuple[ComponentView, ...]  # shown ones, in config order
    incidents: tuple[PublicIncident, ...]  # newest first, within the history window
    maintenances: tuple[MaintenanceView, ...]  # soonest first

    @property
    def unresolved(self) -> list[PublicIncident]:
        return [i for i in self.incidents if i.unresolved]

    @property
    def upcoming(self) -> list[MaintenanceView]:
        return [m for m in self.maintenances if m.status == "scheduled"]

    @property
    def active_maintenances(self) -> list[MaintenanceView]:
        return [m for m in self.maintenances if m.active]


def build(session: Session, ctx: Context) -> Snapshot:
    page = ctx.config.status_page
    now = ctx.clock.now()
    since = now - timedelta(days=page.history_days)
    incidents = _incidents(session, ctx, since)
    maintenances = _maintenances(session, since)
    changes = list(session.scalars(select(ComponentChange).order_by(ComponentChange.id)))
    components = tuple(
        _component(c, n, incidents, maintenances, changes, now=now, days=page.history_days)
        for n, c in enumerate(c for c in page.components if c.shown)
    )
    components += _upstream_components(session, ctx, start=len(components), now=now)
    open_impacts = [i.impact for i in incidents if i.unresolved]
    level = indicator(open_impacts, [c.status for c in components])
    stamps = [now - timedelta(days=page.history_days)]
    stamps += [i.updated_at for i in incidents] + [m.updated_at for m in maintenances]
    stamps += [c.updated_at for c in components]
    return Snapshot(
        branding=page.branding,
        page_id=slug(page.branding.name),
        url=f"{ctx.public_url}/status",
        built_at=now,
        updated_at=max(stamps),
        indicator=level,
        description=INDICATOR_WORDS[level],
        components=components,
        incidents=tuple(incidents),
        maintenances=tuple(maintenances),
    )


def _upstream_components(
    session: Session, ctx: Context, *, start: int, now: datetime
) -> tuple[ComponentView, ...]:
    """The upstream vendors shown as components of ours (`show = true`)."""
    shown = [u for u in ctx.config.upstreams if u.show]
    if not shown:
        return ()
    states = {s.name: s for s in session.scalars(select(UpstreamState))}
    days = ctx.config.status_page.history_days
    views = []
    for n, upstream in enumerate(shown):
        state = states.get(upstream.name)
        read = state.status if state else ""
        known = read in {s.value for s in ComponentStatus}
        status = ComponentStatus(read) if known else ComponentStatus.OPERATIONAL
        views.append(
            ComponentView(
                component=Component(name=upstream.name, group="Third-party services"),
                position=start + n + 1,
                status=status,
                updated_at=state.checked_at if state else now,
                days=tuple(uptime.daily([], today=now.date(), days=days)),
            )
        )
    return tuple(views)


def public_incident_ids(session: Session, ctx: Context) -> Any:
    """A SELECT of the ids of the incidents the page shows (for `IN`)."""
    rules = ctx.config.status_page.publish_severities
    published = select(Publication.incident_id)
    wanted = or_(Incident.id.in_(published), Incident.severity.in_(rules))
    return select(Incident.id).where(wanted, Incident.drill.is_(False))


def _incidents(session: Session, ctx: Context, since: datetime) -> list[PublicIncident]:
    recent = or_(
        Incident.status.in_([s.value for s in OPEN_STATUSES]),
        Incident.declared_at >= since,
        Incident.resolved_at >= since,
    )
    rows = session.execute(
        select(Incident, Publication.title)
        .outerjoin(Publication, Publication.incident_id == Incident.id)
        .where(Incident.id.in_(public_incident_ids(session, ctx)), recent)
        .order_by(Incident.declared_at.desc(), Incident.id.desc())
        .limit(500)
    ).all()
    ids = [incident.id for incident, _ in rows]
    events: dict[int, list[Any]] = {i: [] for i in ids}
    reviewed: dict[int, datetime] = {}
    if ids:
        published = select(Postmortem.incident_id, Postmortem.published_at).where(
            Postmortem.incident_id.in_(ids), Postmortem.published_at.is_not(None)
        )
        reviewed = {row.incident_id: row.published_at for row in session.execute(published)}
    if ids:
        shown = or_(
            (Event.kind == "update") & (Event.visibility == "public"), Event.kind.in_(STATUS_KINDS)
        )
        columns = (Event.incident_id, Event.id, Event.kind, Event.text, Event.at, Event.data)
        query = select(*columns).where(Event.incident_id.in_(ids), shown)
        for event in session.execute(query.order_by(Event.at, Event.id)):  # rows, not objects
            events[event.incident_id].append(event)
    result = []
    for incident, title in rows:
        name = title or incident.title
        result.append(
            _incident(ctx, incident, name, events[incident.id], reviewed.get(incident.id))
        )
    return result


def _incident(
    ctx: Context, incident: Incident, name: str, events: list[Any], reviewed: datetime | None
) -> PublicIncident:
    """The public view of an incident; `reviewed`: when its post-mortem was published (a
    resolved incident's public status is then `postmortem`, its text never shown)."""
    page = ctx.config.status_page
    rank = ctx.config.rank(incident.severity) if incident.severity in ctx.config.level_ids else 9
    status_changes = [e for e in events if e.kind in STATUS_KINDS]
    status = Status(status_changes[0].data["from"]) if status_changes else Status(incident.status)
    updates = []
    monitoring_at = None
    for event in events:
        if event.kind in STATUS_KINDS:
            status = Status(event.data.get("to", status))
            if status == Status.MONITORING and monitoring_at is None:
                monitoring_at = event.at
            continue
        updates.append(
            PublicUpdate(str(event.id), PUBLIC_STATUS[status].value, event.text, event.at)
        )
    public = PUBLIC_STATUS[Status(incident.status)]
    if not updates:
        text = page.words(PublicStatus.INVESTIGATING, name)
        updates.append(
            PublicUpdate(f"{incident.id}-opened", "investigating", text, incident.declared_at)
        )
    resolved_at = incident.resolved_at if public == PublicStatus.RESOLVED else None
    if resolved_at is not None and updates[-1].status != PublicStatus.RESOLVED:
        text = page.words(PublicStatus.RESOLVED, name)
        updates.append(PublicUpdate(f"{incident.id}-resolved", "resolved", text, resolved_at))
    if resolved_at is not None and reviewed is not None:
        public = PublicStatus.POSTMORTEM
        text = page.words(PublicStatus.POSTMORTEM, name)
        at = max(reviewed, updates[-1].at)
        updates.append(PublicUpdate(f"{incident.id}-postmortem", public.value, text, at))
    touched = tuple(
        c.id
        for c in page.components
        if incident.service and incident.service.lower() in {s.lower() for s in c.services}
    )
    return PublicIncident(
        id=incident.id,
        ref=ref_of(incident.id),
        name=name,
        status=public,
        impact=impact_for(page, incident.severity, rank),
        created_at=incident.declared_at,
        updated_at=max(u.at for u in updates),
        monitoring_at=monitoring_at,
        resolved_at=resolved_at,
        updates=tuple(reversed(updates)),
        components=touched,
        component_status=component_status_for(page, incident.severity, rank),
    )


def _maintenances(session: Session, since: datetime) -> list[MaintenanceView]:
    rows = list(
        session.scalars(
            select(Maintenance)
            .where(or_(Maintenance.ends_at >= since, Maintenance.status != "completed"))
            .order_by(Maintenance.starts_at, Maintenance.id)
        )
    )
    updates: dict[int, list[MaintenanceUpdate]] = {m.id: [] for m in rows}
    if rows:
        query = select(MaintenanceUpdate).where(MaintenanceUpdate.maintenance_id.in_(updates))
        for update in session.scalars(
            query.order_by(MaintenanceUpdate.at.desc(), MaintenanceUpdate.id.desc())
        ):
            updates[update.maintenance_id].append(update)
    return [
        MaintenanceView(
            id=m.id,
            name=m.title,
            status=m.status,
            scheduled_for=m.starts_at,
            scheduled_until=m.ends_at,
            created_at=m.created_at,
            updated_at=m.updated_at,
            components=tuple(m.components),
            updates=tuple(PublicUpdate(f"m{u.id}", u.status, u.body, u.at) for u in updates[m.id]),
        )
        for m in rows
    ]


def _component(
    component: Component,
    position: int,
    incidents: list[PublicIncident],
    maintenances: list[MaintenanceView],
    changes: list[ComponentChange],
    *,
    now: datetime,
    days: int,
) -> ComponentView:
    mine = [c for c in changes if c.component == component.id]
    touching = [i for i in incidents if component.id in i.components]
    spans = [uptime.Span(i.created_at, i.resolved_at or now, i.component_status) for i in touching]
    for n, change in enumerate(mine):
        if change.status is not None:
            end = mine[n + 1].at if n + 1 < len(mine) else now
            spans.append(uptime.Span(change.at, end, ComponentStatus(change.status)))
    stamps = [c.at for c in mine] + [i.updated_at for i in touching]
    stamps += [
        m.updated_at
        for m in maintenances
        if component.id in m.components and m.status != "scheduled"
    ]
    if mine and mine[-1].status is not None:
        status = ComponentStatus(mine[-1].status)
    else:
        found = [i.component_status for i in touching if i.unresolved]
        found += [
            ComponentStatus.UNDER_MAINTENANCE
            for m in maintenances
            if m.active and component.id in m.components
        ]
        status = worst_component(found)
    return ComponentView(
        component=component,
        position=position + 1,
        status=status,
        updated_at=max(stamps, default=now - timedelta(days=days)),
        days=tuple(uptime.daily(spans, today=now.date(), days=days)),
    )
