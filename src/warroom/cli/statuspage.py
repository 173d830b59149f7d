"""`warroom statuspage`: what the public page shows, publishing incidents, components
set by hand and every status change, maintenance windows and subscribers."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, fail, opened, parse_at
from warroom.domain.incidents import parse_ref
from warroom.services.status import (
    components,
    maintenance,
    publishing,
    subscribers,
    transitions,
)
from warroom.services.status.snapshot import build

statuspage_app = typer.Typer(help="The public status page.", no_args_is_help=True)
maintenance_app = typer.Typer(help="Scheduled maintenance windows.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    statuspage_app.add_typer(maintenance_app, name="maintenance")
    app.add_typer(statuspage_app, name="statuspage")


@statuspage_app.command("show")
def show(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """What the public page shows now: the indicator, components, open incidents."""
    with opened(db, config) as rt, rt.db.read() as session:
        snap = build(session, rt.ctx)
    rows = [(v.component.name, v.status.value, f"{v.uptime * 100:.2f}%") for v in snap.components]
    incidents = [(i.ref, i.name, i.status.value, i.impact.value) for i in snap.unresolved]
    if json:
        output.emit_json(
            {
                "indicator": snap.indicator,
                "description": snap.description,
                "components": [
                    dict(zip(("name", "status", "uptime"), r, strict=True)) for r in rows
                ],
                "incidents": [
                    dict(zip(("id", "name", "status", "impact"), r, strict=True)) for r in incidents
                ],
            }
        )
        return
    typer.echo(snap.description)
    output.table(("COMPONENT", "STATUS", "UPTIME"), rows, empty="No components in the config.")
    output.table(
        ("INCIDENT", "NAME", "STATUS", "IMPACT"), incidents, empty="No open public incidents."
    )


@statuspage_app.command("publish")
def publish(
    ref: Annotated[str, typer.Argument(help="The incident, e.g. INC-4.")],
    title: Annotated[
        str | None, typer.Option(metavar=metavars.TITLE, help="The title shown publicly.")
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Show an incident on the status page (its public updates appear there)."""
    with opened(db, config) as rt, rt.db.write.begin() as session:
        found = publishing.publish(
            session, ctx=rt.ctx, actor=actor(by), incident_id=parse_ref(ref), title=title
        )
        shown = found.title
    if json:
        output.emit_json({"incident": ref.upper(), "title": shown})
    else:
        typer.echo(f"{ref.upper()} is on the status page.")


@statuspage_app.command("component")
def component(
    name: Annotated[str, typer.Argument(help="The component, as named in the config.")],
    status: Annotated[
        str,
        typer.Argument(
            help="operational, degraded_performance, partial_outage, major_outage,"
            " under_maintenance, or automatic (follow the incidents)."
        ),
    ],
    reason: Annotated[
        str | None, typer.Option(metavar=metavars.REASON, help="Why (kept internal).")
    ] = None,
    by: By = None,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Set a component's status by hand."""
    with opened(db, config) as rt, rt.db.write.begin() as session:
        change = components.set_status(
            session, ctx=rt.ctx, actor=actor(by), component=name, status=status, reason=reason
        )
        typer.echo(f"{change.component}: {change.status or 'automatic'}")


@statuspage_app.command("changes")
def changes(
    component_name: Annotated[
        str | None,
        typer.Option(
            "--component", metavar=metavars.COMPONENT, help="Only this component's changes."
        ),
    ] = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Every change of a component's status, set by hand or automatic, with its cause."""
    with opened(db, config) as rt, rt.db.read() as session:
        wanted = components.find(rt.ctx, component_name).id if component_name else None
        rows = transitions.history(session, component=wanted)
        items = [transitions.as_dict(row) for row in rows]
        causes = [transitions.describe(row) for row in rows]
    if json:
        output.emit_json({"items": items})
        return
    table = [
        (str(i["at"])[:16].replace("T", " "), str(i["component"]), f"{i['from']} → {i['to']}", why)
        for i, why in zip(items, causes, strict=True)
    ]
    output.table(("AT", "COMPONENT", "CHANGE", "CAUSE"), table, empty="No status changes yet.")


@maintenance_app.command("add")
def add_maintenance(
    title: Annotated[str, typer.Argument(help="What is planned, as the public reads it.")],
    component_names: Annotated[
        list[str],
        typer.Option(
            "--component", metavar=metavars.COMPONENT, help="A component affected (repeatable)."
        ),
    ],
    start: Annotated[str, typer.Option(metavar=metavars.TIME, help="When it starts (ISO 8601).")],
    end: Annotated[str, typer.Option(metavar=metavars.TIME, help="When it ends (ISO 8601).")],
    message: Annotated[
        str | None, typer.Option(metavar=metavars.MESSAGE, help="The first public words about it.")
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Plan a maintenance window: shown now, its components under maintenance during it."""
    starts_at, ends_at = parse_at(start), parse_at(end)
    if starts_at is None or ends_at is None:
        fail("--start and --end are needed")
    with opened(db, config) as rt, rt.db.write.begin() as session:
        row = maintenance.schedule(
            session,
            ctx=rt.ctx,
            actor=actor(by),
            title=title,
            components=component_names,
            starts_at=starts_at,
            ends_at=ends_at,
            message=message,
        )
        made = {"id": row.id, "title": row.title, "status": row.status}
    if json:
        output.emit_json(made)
    else:
        typer.echo(f"Maintenance {made['id']} planned.")


@maintenance_app.command("update")
def update_maintenance(
    maintenance_id: Annotated[int, typer.Argument(help="The maintenance's number.")],
    message: Annotated[str, typer.Argument(help="The public update.")],
    by: By = None,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Post a public update on a maintenance window."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        maintenance.post_update(
            session, ctx=rt.ctx, actor=who, maintenance_id=maintenance_id, message=message
        )
    typer.echo(f"Maintenance {maintenance_id} updated.")


@maintenance_app.command("ls")
def list_maintenance(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """Maintenance windows, latest start first."""
    with opened(db, config) as rt, rt.db.read() as session:
        rows = [
            (
                m.id,
                m.title,
                m.status,
                m.starts_at.isoformat(),
                m.ends_at.isoformat(),
                ", ".join(m.components),
            )
            for m in maintenance.listing(session)
        ]
    if json:
        keys = ("id", "title", "status", "starts_at", "ends_at", "components")
        output.emit_json({"items": [dict(zip(keys, r, strict=True)) for r in rows]})
        return
    output.table(
        ("ID", "TITLE", "STATUS", "STARTS", "ENDS", "COMPONENTS"), rows, empty="No maintenance."
    )


@statuspage_app.command("subscribers")
def list_subscribers(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """Confirmed subscribers still subscribed."""
    with opened(db, config) as rt, rt.db.read() as session:
        rows = [
            (s.id, s.kind, s.address, ", ".join(s.components) or "all")
            for s in subscribers.active(session)
        ]
    if json:
        keys = ("id", "kind", "address", "components")
        output.emit_json({"items": [dict(zip(keys, r, strict=True)) for r in rows]})
        return
    output.table(("ID", "KIND", "ADDRESS", "COMPONENTS"), rows, empty="No subscribers.")
