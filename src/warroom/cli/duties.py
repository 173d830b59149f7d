"""`warroom duty ls | done NAME`: recurring duties, who is on them and who did them."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened
from warroom.services.duties import board

duty_app = typer.Typer(
    help="Recurring duties (daily, weekly, monthly checks).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(duty_app, name="duty")


@duty_app.command("ls")
def list_duties(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """Each duty: its period, who is on call for it, and whether it is done."""
    with opened(db, config) as rt, rt.db.read() as session:
        found = board.board(session, ctx=rt.ctx)
    if json:
        output.emit_json([dataclasses.asdict(d) for d in found])
        return
    rows = [
        (
            d.name,
            d.title,
            d.every,
            f"{d.period} ({d.timezone})",
            d.assignee,
            f"done by {d.done.by} {output.when(d.done.at)}"
            if d.done
            else f"due by {output.when(d.due_by)}",
        )
        for d in found
    ]
    output.table(
        ("DUTY", "TITLE", "EVERY", "PERIOD", "ON CALL", "STATE"),
        rows,
        empty="No duties are configured.",
    )


@duty_app.command("done")
def done(
    name: str,
    note: Annotated[
        str, typer.Option(metavar=metavars.MESSAGE, help="What was found or done.")
    ] = "",
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Record that you did a duty for its current period."""
    with opened(db, config) as rt, rt.db.write.begin() as session:
        found = board.mark_done(session, ctx=rt.ctx, name=name, actor=actor(by), note=note)
    if json:
        output.emit_json(dataclasses.asdict(found))
    else:
        typer.echo(f"{found.title}: done for {found.period}")
