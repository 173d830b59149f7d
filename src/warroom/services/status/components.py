"""Components set by hand: a status that holds until someone sets it back to following
the incidents (`automatic`). Every change is a row of its own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.db.status_models import ComponentChange
from warroom.domain.status_page import Component, parse_component_status
from warroom.errors import Invalid, NotFound
from warroom.services.context import Context
from warroom.services.incidents.inputs import clean
from warroom.services.status import transitions

AUTOMATIC = "automatic"


def find(ctx: Context, component: str) -> Component:
    """The config's component of this name or id; NotFound names the known ones."""
    found = ctx.config.status_page.component(component)
    if found is None:
        known = ", ".join(c.name for c in ctx.config.status_page.components)
        raise NotFound(
            f"component {component[:80]!r} is not one of: {known or 'none'}.", field="component"
        )
    return found


def set_status(
    session: Session,
    *,
    ctx: Context,
    actor: str,
    component: str,
    status: str,
    reason: str | None = None,
) -> ComponentChange:
    """Set a component's status (`automatic`: follow the incidents again)."""
    found = find(ctx, component)
    automatic = status.strip().lower() == AUTOMATIC
    value = None if automatic else parse_component_status(status).value
    text = clean(reason, "reason", 2000) or ""
    if not actor:
        raise Invalid("actor must not be empty.", field="actor")
    change = ComponentChange(
        component=found.id, status=value, actor=actor, reason=text, at=ctx.clock.now()
    )
    session.add(change)
    transitions.note(session, ctx)
    return change


def history(session: Session, component: str | None = None) -> list[ComponentChange]:
    query = select(ComponentChange).order_by(ComponentChange.id.desc()).limit(200)
    if component is not None:
        query = query.where(ComponentChange.component == component)
    return list(session.scalars(query))
