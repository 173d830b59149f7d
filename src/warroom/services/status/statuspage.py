"""The snapshot in the shape of Atlassian Statuspage's public API (`/api/v2/*.json`):
the same field names and value vocabularies, so widgets and monitors that read a
Statuspage page read this one."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import orjson

from warroom.domain.status_page import slug, worst_component
from warroom.services.status.snapshot import (
    ComponentView,
    MaintenanceView,
    PublicIncident,
    PublicUpdate,
    Snapshot,
)

DOCUMENTS = (
    "summary",
    "status",
    "components",
    "incidents",
    "incidents/unresolved",
    "scheduled-maintenances",
    "scheduled-maintenances/upcoming",
    "scheduled-maintenances/active",
)


def stamp(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def page(snap: Snapshot) -> dict[str, Any]:
    return {
        "id": snap.page_id,
        "name": snap.branding.name,
        "url": snap.url,
        "time_zone": "Etc/UTC",
        "updated_at": stamp(snap.updated_at),
    }


def status(snap: Snapshot) -> dict[str, Any]:
    return {"indicator": snap.indicator, "description": snap.description}


def components(snap: Snapshot) -> list[dict[str, Any]]:
    groups: dict[str, list[ComponentView]] = {}
    for view in snap.components:
        if view.component.group:
            groups.setdefault(view.component.group, []).append(view)
    found = [_component(snap, view) for view in snap.components]
    for position, (name, members) in enumerate(groups.items(), start=len(found) + 1):
        found.append(
            {
                "id": _group_id(name),
                "name": name,
                "status": worst_component([m.status for m in members]).value,
                "created_at": _created(members[0]),
                "updated_at": stamp(max(m.updated_at for m in members)),
                "position": position,
                "description": None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": snap.page_id,
                "group": True,
                "only_show_if_degraded": False,
                "components": [m.component.id for m in members],
            }
        )
    return found


def _group_id(name: str) -> str:
    return f"group-{slug(name)}"


def _component(snap: Snapshot, view: ComponentView) -> dict[str, Any]:
    component = view.component
    return {
        "id": component.id,
        "name": component.name,
        "status": view.status.value,
        "created_at": _created(view),
        "updated_at": stamp(view.updated_at),
        "position": view.position,
        "description": component.description or None,
        "showcase": True,
        "start_date": view.days[0].day.isoformat(),
        "group_id": _group_id(component.group) if component.group else None,
        "page_id": snap.page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _created(view: ComponentView) -> str | None:
    """The start of the history shown (warroom keeps no creation time for a component)."""
    return stamp(datetime.combine(view.days[0].day, time(), tzinfo=UTC))


def _update(snap: Snapshot, parent: str, update: PublicUpdate) -> dict[str, Any]:
    return {
        "id": update.id,
        "status": update.status,
        "body": update.body,
        "incident_id": parent,
        "created_at": stamp(update.at),
        "updated_at": stamp(update.at),
        "display_at": stamp(update.at),
    }


def _affected(snap: Snapshot, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    return [_component(snap, v) for v in snap.components if v.component.id in ids]


def incident(snap: Snapshot, found: PublicIncident) -> dict[str, Any]:
    return {
        "id": found.ref,
        "name": found.name,
        "status": found.status.value,
        "created_at": stamp(found.created_at),
        "updated_at": stamp(found.updated_at),
        "monitoring_at": stamp(found.monitoring_at),
        "resolved_at": stamp(found.resolved_at),
        "impact": found.impact.value,
        "shortlink": f"{snap.url}#{found.ref}",
        "started_at": stamp(found.created_at),
        "page_id": snap.page_id,
        "incident_updates": [_update(snap, found.ref, u) for u in found.updates],
        "components": _affected(snap, found.components),
    }


def maintenance(snap: Snapshot, found: MaintenanceView) -> dict[str, Any]:
    ref = f"maintenance-{found.id}"
    return {
        "id": ref,
        "name": found.name,
        "status": found.status,
        "created_at": stamp(found.created_at),
        "updated_at": stamp(found.updated_at),
        "monitoring_at": None,
        "resolved_at": stamp(found.scheduled_until) if found.status == "completed" else None,
        "impact": "maintenance",
        "shortlink": f"{snap.url}#{ref}",
        "started_at": stamp(found.scheduled_for),
        "page_id": snap.page_id,
        "incident_updates": [_update(snap, ref, u) for u in found.updates],
        "components": _affected(snap, found.components),
        "scheduled_for": stamp(found.scheduled_for),
        "scheduled_until": stamp(found.scheduled_until),
    }


def document(snap: Snapshot, name: str) -> dict[str, Any]:
    """One of DOCUMENTS, as a dict."""
    body: dict[str, Any] = {"page": page(snap)}
    if name in ("summary", "status"):
        body["status"] = status(snap)
    if name in ("summary", "components"):
        body["components"] = components(snap)
    if name == "summary":
        body["incidents"] = [incident(snap, i) for i in snap.unresolved]
        body["scheduled_maintenances"] = [
            maintenance(snap, m) for m in snap.maintenances if m.status != "completed"
        ]
    if name == "incidents":
        body["incidents"] = [incident(snap, i) for i in snap.incidents[:50]]
    if name == "incidents/unresolved":
        body["incidents"] = [incident(snap, i) for i in snap.unresolved]
    if name.startswith("scheduled-maintenances"):
        chosen = {
            "scheduled-maintenances": list(snap.maintenances),
            "scheduled-maintenances/upcoming": snap.upcoming,
            "scheduled-maintenances/active": snap.active_maintenances,
        }[name]
        body["scheduled_maintenances"] = [maintenance(snap, m) for m in reversed(chosen)][:50]
    return body


def encoded(snap: Snapshot, name: str) -> bytes:
    return orjson.dumps(document(snap, name))
