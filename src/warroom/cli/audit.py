"""`warroom audit`: who changed warroom's setup, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import ConfigPath, Db, Json, opened
from warroom.services import audit


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_trail)


def audit_trail(
    limit: Annotated[
        int, typer.Option(metavar=metavars.COUNT, min=1, max=1000, help="How many entries.")
    ] = 100,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Who added, changed or removed people, teams, users, tokens, integrations, contacts
    and maintenance notes (incidents keep theirs on their timelines)."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        rows = [
            {"at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject}
            for e in audit.recent(session, limit=limit)
        ]
    if json:
        output.emit_json({"items": rows})
        return
    columns = ("WHEN", "WHO", "WHAT", "SUBJECT")
    output.table(columns, (row.values() for row in rows), empty="Nothing changed yet.")
