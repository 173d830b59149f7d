"""/incidents/{ref}: the incident room (header, timeline, alerts, the forms that act)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.domain.incidents import ORDER, REOPENABLE, Role, Status, is_open, parse_ref
from warroom.errors import NotFound, WarroomError
from warroom.services.access import users
from warroom.services.incidents import lifecycle, timeline
from warroom.services.incidents.views import EventRead, IncidentRead, event_view, incident_view
from warroom.services.ingest import alerts
from warroom.services.postmortems import views as postmortem_views
from warroom.web import render
from warroom.web.auth import SignedIn
from warroom.web.errors import PageRefused
from warroom.web.response_panel import response_context
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
TIMELINE_LIMIT = 500  # newest entries shown; a storm's thousands stay in the API
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


def room_context(request: Request, incident_id: int) -> dict[str, Any]:
    state = web_state(request)
    with state.db.read() as session:
        try:
            incident = incident_view(lifecycle.get(session, incident_id))
        except WarroomError as exc:
            raise PageRefused(exc) from None
        events = [event_view(e) for e in timeline.events_of(session, incident_id)]
        attached = alerts.list_alerts(session, incident_id=incident_id, limit=ALERT_LIMIT)
        people = users.names(session, ctx=state.ctx)
        learning = postmortem_views.room_panel(session, incident_id)
    events.reverse()
    return {
        "incident": incident,
        "events": events[:TIMELINE_LIMIT],
        "hidden_events": max(0, len(events) - TIMELINE_LIMIT),
        "last_event_id": max((e.id for e in events), default=0),
        "alerts": attached,
        "people": people,
        "kind_labels": KIND_LABELS,
        "learning": learning,
        **action_context(request, incident),
        **response_context(request, incident_id),
    }


def action_context(request: Request, incident: IncidentRead) -> dict[str, Any]:
    status = Status(incident.status)
    forward = ORDER[ORDER.index(status) + 1 :]
    return {
        "levels": web_state(request).ctx.config.severities,
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
) -> HTMLResponse:
    context = room_context(request, incident_id)
    return render.page(
        request, "room.html.j2", status=status, problem=problem, notice=notice, **context
    )


def entry_html(request: Request, event: EventRead) -> str:
    return render.fragment(request, "_event.html.j2", event=event, kind_labels=KIND_LABELS)


@router.get("/incidents/{ref}")
def show(ref: str, request: Request, _: SignedIn) -> HTMLResponse:
    return room_page(request, incident_id_of(ref))
