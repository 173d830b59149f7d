"""`warroom page INC-1 person:bob`: page someone about an incident by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened
from warroom.domain.incidents import parse_ref, ref_of
from warroom.services.paging import manual


def register(app: typer.Typer) -> None:
    app.command("page")(page)


def page(
    ref: Annotated[str, typer.Argument(help="The incident, e.g. INC-4.")],
    target: Annotated[str, typer.Argument(help="person:NAME, team:NAME or schedule:NAME.")],
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Page a person, a team or a schedule's on-call about an incident."""
    with opened(db, config) as rt, rt.db.write.begin() as session:
        incident_id = parse_ref(ref)
        reached = manual.page_target(
            session, ctx=rt.ctx, actor=actor(by), incident_id=incident_id, target=target
        )
    if json:
        output.emit_json({"incident": ref_of(incident_id), "target": target, "paged": reached})
        return
    typer.echo(f"{ref_of(incident_id)}: paged {', '.join(reached)}")
