"""How results look: Rich tables for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from warroom.services.incidents.views import EventRead, IncidentRead

if TYPE_CHECKING:
    from rich.console import Console


def console() -> Console:
    """A console for what is printed now, as wide as the terminal (or COLUMNS) is now.
    Rich loads on the first printed table: `warroom serve` never needs it."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


SEVERITY_STYLE = {0: "bold red", 1: "red", 2: "yellow"}


def iso(moment: datetime) -> str:
    """A time as JSON shows it everywhere (the API too): ISO 8601 in UTC, ending in Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json_value(value: object) -> object:
    return iso(value) if isinstance(value, datetime) else str(value)


def emit_json(value: Any) -> None:
    """Print a result for scripts; times (datetime values) in the one ISO form, with Z."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    print(json.dumps(value, indent=2, ensure_ascii=False, default=_json_value))


def cell(value: object) -> str:
    """A value as a table shows it: None as "-", yes/no, times in UTC to the minute."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return when(value)
    return str(value)


def table(
    columns: tuple[str, ...], rows: Iterable[Iterable[object]], *, empty: str, title: str = ""
) -> None:
    """Print rows under their column names (see `cell`), or `empty` if none."""
    from rich.table import Table

    shown = Table(show_edge=False, header_style="bold", title=title or None, title_justify="left")
    for column in columns:
        shown.add_column(column)
    for row in rows:
        shown.add_row(*(cell(value) for value in row))
    console().print(shown if shown.row_count else empty)


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def incident_table(items: list[IncidentRead], ranks: dict[str, int]) -> None:
    rows = [
        (
            item.ref,
            f"[{style}]{item.severity}[/]" if style else item.severity,
            item.status,
            item.title,
            item.service,
            item.roles.commander,
            when(item.declared_at),
        )
        for item in items
        for style in [SEVERITY_STYLE.get(ranks.get(item.severity, 9), "")]
    ]
    columns = ("REF", "SEV", "STATUS", "TITLE", "SERVICE", "COMMANDER", "DECLARED")
    table(columns, rows, empty="No incidents match.")


def incident_detail(item: IncidentRead, events: list[EventRead]) -> None:
    console().print(f"[bold]{item.ref}[/] {item.title}")
    roles = item.roles
    facts = [
        ("severity", item.severity),
        ("status", item.status),
        ("service", item.service),
        ("channel", item.channel),
        ("commander", roles.commander),
        ("comms", roles.comms),
        ("scribe", roles.scribe),
        ("responders", ", ".join(roles.responders) or None),
        ("declared", when(item.declared_at)),
        ("acknowledged", when(item.acknowledged_at)),
        ("ack due", when(item.ack_due_at)),
        ("next update due", when(item.next_update_due_at)),
        ("resolved", when(item.resolved_at)),
        ("post-mortem due", when(item.postmortem_due_at)),
    ]
    for label, value in facts:
        if value and value != "-":
            console().print(f"  {label:<16} {value}")
    rows = [
        (
            when(event.at),
            event.actor,
            event.kind,
            (
                ("public " if event.visibility == "public" else "") + ("late" if event.late else "")
            ).strip(),
            event.text,
        )
        for event in events
    ]
    table(("WHEN", "WHO", "WHAT", "", "TEXT"), rows, empty="No timeline yet.", title="Timeline")


def done(item: IncidentRead, verb: str) -> None:
    console().print(f"{item.ref} {verb}: [bold]{item.status}[/] ({item.severity}) {item.title}")
