"""`warroom override add|ls|rm`: cover a schedule for a while, see and remove overrides."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, fail, opened, parse_at
from warroom.services.directory import overrides

override_app = typer.Typer(help="Schedule overrides: someone covers a shift.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(override_app, name="override")


@override_app.command("add")
def add(
    schedule: Annotated[str, typer.Argument(help="The schedule, e.g. primary.")],
    person: Annotated[str, typer.Argument(help="Who covers.")],
    start: Annotated[str, typer.Option("--from", metavar=metavars.TIME, help="Start (ISO 8601).")],
    end: Annotated[str, typer.Option("--to", metavar=metavars.TIME, help="End (ISO 8601).")],
    reason: Annotated[
        str, typer.Option(metavar=metavars.REASON, help="Why (shown on the schedule).")
    ] = "",
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """PERSON covers SCHEDULE from --from to --to."""
    first, last = parse_at(start), parse_at(end)
    if first is None or last is None:
        fail("--from and --to are both needed")
    with opened(db, config) as rt, rt.db.write.begin() as session:
        row = overrides.add(
            session,
            ctx=rt.ctx,
            actor=actor(by),
            schedule=schedule,
            person=person,
            start=first,
            end=last,
            reason=reason,
        )
        view = overrides.override_view(row)
    if json:
        output.emit_json(view)
        return
    typer.echo(
        f"override {view.id}: {view.person} covers {view.schedule} {view.start} to {view.end}"
    )


@override_app.command("ls")
def list_overrides(
    schedule: Annotated[str | None, typer.Argument(help="One schedule (default: all).")] = None,
    include_past: Annotated[
        bool, typer.Option("--all", help="Ended and removed ones too.")
    ] = False,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """The overrides still to come or under way."""
    with opened(db, config) as rt, rt.db.read() as session:
        rows = overrides.list_overrides(
            session, schedule=schedule, include_past=include_past, now=rt.ctx.clock.now()
        )
        views = [overrides.override_view(r) for r in rows]
    if json:
        output.emit_json({"items": [v.model_dump(mode="json") for v in views]})
        return
    output.table(
        ("ID", "SCHEDULE", "PERSON", "FROM", "TO", "BY", "REMOVED"),
        (
            (
                v.id,
                v.schedule,
                v.person,
                v.start.isoformat(),
                v.end.isoformat(),
                v.created_by,
                v.removed_by,
            )
            for v in views
        ),
        empty="No overrides.",
    )


@override_app.command("rm")
def remove(
    override_id: Annotated[int, typer.Argument(help="The override's id (see `override ls`).")],
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Remove an override (it stays on record, with who removed it)."""
    with opened(db, config) as rt, rt.db.write.begin() as session:
        view = overrides.override_view(
            overrides.remove(session, ctx=rt.ctx, actor=actor(by), override_id=override_id)
        )
    if json:
        output.emit_json(view)
        return
    typer.echo(f"override {view.id} removed")
