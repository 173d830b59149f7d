"""A post-mortem's first text, drafted from the incident: its facts, its timeline, its
alerts, and the sections a team fills in. From the Jinja2 template
`templates/postmortem/postmortem.md.j2`, which an admin replaces by putting a
`postmortem.md.j2` in the config's `templates_dir`."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.learning import ActionItem
from warroom.db.models import Alert, Event, Incident
from warroom.domain.durations import format_duration
from warroom.domain.incidents import ref_of

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE = "postmortem.md.j2"
# Lines of the timeline that only say who was told what: left out of the draft.
ROUTINE_KINDS = ("paged", "notified", "delivery_failed", "contact_disabled")
ALERTS_SHOWN = 50


def _moment(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if value else "—"


def _day(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


@lru_cache(maxsize=4)
def _environment(override_dir: str | None) -> Environment:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader

    loaders: list[Any] = [PackageLoader("warroom", "templates/postmortem")]
    if override_dir:
        loaders.insert(0, FileSystemLoader(override_dir))
    env = Environment(  # noqa: S701 - Markdown, escaped where it is shown as HTML
        loader=ChoiceLoader(loaders), trim_blocks=True, lstrip_blocks=True, auto_reload=False
    )
    env.filters["moment"] = _moment
    env.filters["day"] = _day
    return env


def render(values: dict[str, Any], templates_dir: Path | None = None) -> str:
    env = _environment(str(templates_dir) if templates_dir else None)
    return env.get_template(TEMPLATE).render(**values).strip() + "\n"


def override_problems(templates_dir: Path) -> list[str]:
    """The admin's post-mortem template, if there is one, as `warroom config check` sees
    it: one line if it does not parse."""
    from jinja2 import TemplateSyntaxError

    path = templates_dir / TEMPLATE
    if not path.is_file():
        return []
    try:
        _environment(str(templates_dir)).parse(path.read_text("utf-8"), name=TEMPLATE)
    except TemplateSyntaxError as exc:
        return [f"templates_dir: {TEMPLATE}, line {exc.lineno}: {exc.message}"]
    except (OSError, UnicodeDecodeError) as exc:
        return [f"templates_dir: {TEMPLATE} cannot be read ({exc})"]
    return []


def _one_line(text: str) -> str:
    return " ".join(text.split())


def facts(session: Session, incident: Incident) -> dict[str, Any]:
    """What the template is given: the incident's fields, its significant timeline in
    order, its alerts, and its action items."""
    events = session.execute(
        select(Event.at, Event.actor, Event.kind, Event.text)
        .where(Event.incident_id == incident.id, Event.kind.not_in(ROUTINE_KINDS))
        .order_by(Event.at, Event.id)
    ).all()
    hidden = session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.incident_id == incident.id, Event.kind.in_(ROUTINE_KINDS))
    )
    alerts = session.execute(
        select(Alert.summary, Alert.count, Alert.first_seen_at, Alert.started_at)
        .where(Alert.incident_id == incident.id)
        .order_by(Alert.first_seen_at, Alert.id)
        .limit(ALERTS_SHOWN)
    ).all()
    started = [a.started_at or a.first_seen_at for a in alerts]
    actions = session.scalars(
        select(ActionItem).where(ActionItem.incident_id == incident.id).order_by(ActionItem.id)
    ).all()
    written = [e.text for e in events if e.kind == "status" and not e.text.startswith("Status ")]
    resolution = written[-1] if written else ""  # the last status message someone wrote
    end = incident.resolved_at
    return {
        "ref": ref_of(incident.id),
        "title": incident.title,
        "severity": incident.severity,
        "service": incident.service,
        "commander": incident.commander,
        "summary": incident.summary,
        "impact": incident.impact,
        "declared_at": incident.declared_at,
        "started_at": min(started) if started else None,
        "acknowledged_at": incident.acknowledged_at,
        "mitigated_at": incident.mitigated_at,
        "resolved_at": end,
        "duration": format_duration(end - incident.declared_at) if end else None,
        "timeline": [
            {"at": e.at, "actor": e.actor, "kind": e.kind, "text": _one_line(e.text)}
            for e in events
        ],
        "hidden": hidden or 0,
        "alerts": [
            {"summary": _one_line(a.summary), "count": a.count, "first_seen_at": a.first_seen_at}
            for a in alerts
        ],
        "actions": [
            {
                "title": a.title,
                "kind": a.kind,
                "owner": a.owner,
                "status": a.status,
                "due_at": a.due_at,
            }
            for a in actions
        ],
        "resolution": resolution if incident.resolved_at else "",
    }


def draft(session: Session, incident: Incident, templates_dir: Path | None = None) -> str:
    return render(facts(session, incident), templates_dir)
