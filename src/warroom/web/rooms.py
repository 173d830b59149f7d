"""/incidents/{ref}: the incident room (header, timeline, alerts, the forms that act)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.models import Event
from warroom.domain import room_rules
from warroom.domain.incidents import ORDER, REOPENABLE, Role, Status, is_open, parse_ref
from warroom.errors import NotFound, WarroomError
from warroom.services.access import users
from warroom.services.directory import lookup
from warroom.services.incidents import alert_views, lifecycle, timeline_views
from warroom.services.incidents.views import EventRead, IncidentRead, incident_view
from warroom.services.postmortems import views as postmortem_views
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.errors import PageRefused
from warroom.web.response_panel import response_context
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
ALERT_LIMIT = 50
KIND_LABELS = {
    "declared": "Declared",
    "status": "Status",
    "acknowledged": "Acknowledged",
    "severity": "Severity",
    "role": "Role",
    "update": "Update",
    "note": "Note",
    "ack_overdue": "Ack overdue",
    "update_overdue": "Update overdue",
    "escalated": "Escalated",
    "monitoring_over": "Monitoring over",
    "postmortem_due": "Post-mortem due",
    "reopened": "Reopened",
    "alert": "Alert",
    "alert_resolved": "Alert resolved",
    "alerts_clear": "Alerts clear",
    "paged": "Paged",
    "notified": "Notified",
    "delivery_failed": "Delivery failed",
    "contact_disabled": "Contact disabled",
    "checklist": "Checklist",
    "action": "Action",
}


@dataclass(frozen=True)
class Problem:
    """A refused form: which form, which field, what was wrong, and what was typed."""

    form: str
    field: str | None
    message: str
    values: dict[str, str] = dataclasses.field(default_factory=dict)


def incident_id_of(ref: str) -> int:
    try:
        return parse_ref(ref)
    except WarroomError:
        raise PageRefused(NotFound(f"{ref!r} is not an incident reference.")) from None


def _page_number(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 7 else 1


def room_context(
    request: Request, incident_id: int, *, show: str = "all", page: str = "1"
) -> dict[str, Any]:
    state = web_state(request)
    with state.db.read() as session:
        try:
            incident = incident_view(lifecycle.get(session, incident_id))
        except WarroomError as exc:
            raise PageRefused(exc) from None
        shown = timeline_views.timeline_page(
            session, incident_id=incident_id, show=show, page=_page_number(page)
        )
        last = session.scalar(select(func.max(Event.id)).where(Event.incident_id == incident_id))
        attached = alert_views.attached(session, incident_id=incident_id, limit=ALERT_LIMIT)
        directory = directory_context(request, session)
        learning = postmortem_views.room_panel(session, incident_id)
    return {
        "incident": incident,
        "timeline": shown,
        "events": shown.events,
        "filter_names": room_rules.FILTER_NAMES,
        "last_event_id": last or 0,
        "alerts": attached,
        "key_labels": alert_views.key_labels(attached),
        "kind_labels": KIND_LABELS,
        "learning": learning,
        **directory,
        **action_context(request, incident),
        **response_context(request, incident_id),
    }


def directory_context(request: Request, session: Session) -> dict[str, Any]:
    """Whom the room's controls offer: known people (roles), and people, teams and
    schedules' on-call (paging)."""
    state = web_state(request)
    people = users.names(session, ctx=state.ctx)
    teams = [t.team.name for t in lookup.teams(session, state.ctx.config) if t.team]
    targets = [
        ("People", [f"person:{name}" for name in people]),
        ("Teams", [f"team:{name}" for name in teams]),
        ("On call for a schedule", [f"schedule:{s.name}" for s in state.ctx.config.schedules]),
    ]
    return {"people": people, "page_targets": targets}


def action_context(request: Request, incident: IncidentRead) -> dict[str, Any]:
    status = Status(incident.status)
    forward = ORDER[ORDER.index(status) + 1 :]
    config = web_state(request).ctx.config
    rank = config.rank(incident.severity)
    return {
        "levels": config.severities,
        "grave_levels": [
            lv.id for lv in config.severities if room_rules.is_grave(config.rank(lv.id))
        ],
        "confirm_resolve": room_rules.confirm_needed(rank),
        "next_statuses": [s for s in forward if s != Status.ACKNOWLEDGED],
        "can_ack": status == Status.TRIGGERED,
        "can_reopen": status in REOPENABLE,
        "is_open": is_open(status),
        "is_closed": status == Status.CLOSED,
        "roles": list(Role),
    }


def room_page(
    request: Request,
    incident_id: int,
    *,
    status: int = 200,
    problem: Problem | None = None,
    notice: str | None = None,
    show: str = "all",
    page: str = "1",
) -> HTMLResponse:
    context = room_context(request, incident_id, show=show, page=page)
    return render.page(
        request, "room.html.j2", status=status, problem=problem, notice=notice, **context
    )


def entry_html(request: Request, event: EventRead) -> str:
    return render.fragment(request, "_event.html.j2", event=event, kind_labels=KIND_LABELS)


@router.get("/incidents/{ref}")
def show_room(
    ref: str, request: Request, _: SignedIn, show: str = "all", page: str = "1"
) -> HTMLResponse:
    """The room; `show` filters the timeline (all, people, public, alerts, paging) and
    `page` pages it (1: the newest entries)."""
    return room_page(request, incident_id_of(ref), show=show, page=page)
