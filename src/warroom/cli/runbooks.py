"""`warroom runbook ls|show|match` and `warroom checklist REF`."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened, refusals, settings_for
from warroom.config import load_config
from warroom.domain.incidents import parse_ref
from warroom.services.checklists import items
from warroom.services.runbooks import library, matching

runbook_app = typer.Typer(
    help="Runbooks: the library, and those that fit an incident.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(runbook_app, name="runbook")
    app.command("checklist")(checklist)


def _library(config: ConfigPath) -> library.Library:
    with refusals():
        return library.load(load_config(settings_for(None, config).config).runbooks_dir)


@runbook_app.command("ls")
def list_runbooks(json: Json = False, config: ConfigPath = None) -> None:
    """List the runbooks (built-in and the config's runbooks_dir)."""
    found = _library(config).runbooks
    if json:
        output.emit_json([dataclasses.asdict(matching.describe(r)) for r in found])
        return
    rows = [
        (r.ref, r.title, ", ".join(r.services), ", ".join(r.tags[:4]), r.severity) for r in found
    ]
    output.table(("REF", "TITLE", "SERVICES", "TAGS", "SEV"), rows, empty="No runbooks.")


@runbook_app.command("show")
def show_runbook(ref: str, json: Json = False, config: ConfigPath = None) -> None:
    """Print one runbook (its Markdown)."""
    with refusals():
        found = _library(config).get(ref)
    if json:
        output.emit_json(dataclasses.asdict(matching.describe(found)))
        return
    typer.echo(f"# {found.title}\n\n{found.body}")


@runbook_app.command("match")
def match(ref: str, json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """The runbooks that fit an incident, best first, with why."""
    with opened(db, config) as rt, rt.db.read() as session:
        found = matching.for_incident(session, ctx=rt.ctx, incident_id=parse_ref(ref))
    if json:
        output.emit_json([dataclasses.asdict(m) for m in matching.read_matches(found)])
        return
    rows = [(m.runbook.ref, m.runbook.title, m.score, "; ".join(m.reasons)) for m in found]
    output.table(("REF", "TITLE", "SCORE", "WHY"), rows, empty="No runbook fits this incident.")


def checklist(
    ref: str,
    tick: Annotated[
        list[str] | None,
        typer.Option("--tick", metavar=metavars.ITEM, help="Tick an item: KEY or PHASE.KEY."),
    ] = None,
    untick: Annotated[
        list[str] | None, typer.Option("--untick", metavar=metavars.ITEM, help="Untick an item.")
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """An incident's checklist: what is done, when and by whom; --tick/--untick items."""
    incident_id = parse_ref(ref)
    with opened(db, config) as rt:
        changes = [(item, True) for item in tick or []] + [(i, False) for i in untick or []]
        if changes:
            with rt.db.write.begin() as session:
                for item, done in changes:
                    items.tick(
                        session,
                        ctx=rt.ctx,
                        incident_id=incident_id,
                        item=item,
                        actor=actor(by),
                        done=done,
                    )
        with rt.db.read() as session:
            found = items.checklist(session, ctx=rt.ctx, incident_id=incident_id)
    if json:
        output.emit_json([dataclasses.asdict(i) for i in found])
        return
    rows = [
        (
            i.phase,
            i.key,
            "yes" if i.done else "no",
            i.label,
            i.done_by,
            output.when(i.done_at),
            "auto" if i.automatic else "by hand",
        )
        for i in found
    ]
    output.table(("PHASE", "KEY", "DONE", "ITEM", "BY", "AT", "TICKS"), rows, empty="No items.")
