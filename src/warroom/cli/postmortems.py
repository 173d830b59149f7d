"""`warroom postmortem REF [ACTION]` (show, draft, edit, review, publish, reopen, versions,
diff, actions; `--out DIR` exports), `warroom postmortem overdue`, and action items:
`warroom actions`, `warroom action add|done|drop|issue`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, fail, opened, parse_at
from warroom.domain.incidents import parse_ref
from warroom.domain.postmortems import (
    ActionStatus,
    State,
    diff,
    parse_action_status,
    parse_kind,
)
from warroom.services.postmortems import actions, documents
from warroom.services.postmortems.views import postmortem_view, version_view

ACTIONS = ("show", "draft", "edit", "review", "publish", "reopen", "versions", "diff", "actions")
MOVES = {"review": State.IN_REVIEW, "publish": State.PUBLISHED, "reopen": State.DRAFT}
action_app = typer.Typer(help="Action items: add, mark done or dropped, export.")


def register(app: typer.Typer) -> None:
    app.command("postmortem")(postmortem)
    app.command("actions")(list_actions)
    app.add_typer(action_app, name="action", no_args_is_help=True)


def _text_of(path: Path | None, current: str) -> str:
    """The new text: from a file (`-` for stdin), else from $EDITOR started on `current`."""
    if path is not None:
        return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    import click

    edited: str | None = click.edit(current, extension=".md", require_save=True)
    if edited is None:
        fail("the editor closed without saving: nothing changed")
    return edited


def postmortem(
    ref: Annotated[str, typer.Argument(help="INC-42, or `overdue` to list late ones.")],
    action: Annotated[str, typer.Argument(help=", ".join(ACTIONS))] = "show",
    out: Annotated[
        Path | None,
        typer.Option(
            metavar=metavars.DIR, help="Export to DIR/reports/incidents/YYYY-MM-DD-slug.md."
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", metavar=metavars.FILE, help="edit: the new text from this file (- stdin)."
        ),
    ] = None,
    unresolved: Annotated[
        bool, typer.Option(help="draft: write one for an incident not yet resolved.")
    ] = False,
    start: Annotated[
        int | None,
        typer.Option("--from", metavar=metavars.VERSION, help="diff: the older version."),
    ] = None,
    end: Annotated[
        int | None, typer.Option("--to", metavar=metavars.VERSION, help="diff: the newer version.")
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Draft, show, edit ($EDITOR), review, publish or export an incident's post-mortem."""
    if ref == "overdue":
        _overdue(db, config, json)
        return
    if action not in ACTIONS:
        raise typer.BadParameter(f"{action!r} is not one of {', '.join(ACTIONS)}")
    with opened(db, config) as rt:
        incident_id = parse_ref(ref)
        if action == "versions":
            with rt.db.read() as session:
                rows = [version_view(v) for v in documents.versions(session, incident_id)]
            if json:
                output.emit_json([row.model_dump(mode="json") for row in rows])
            else:
                output.table(
                    ("version", "state", "author", "when", "what"),
                    (
                        (r.number, r.state, r.author, output.when(r.created_at), r.note)
                        for r in rows
                    ),
                    empty="No versions.",
                )
            return
        if action == "actions":
            with rt.db.write.begin() as session:
                items = actions.from_postmortem(
                    session, ctx=rt.ctx, actor=actor(by), incident_id=incident_id
                )
            if json:
                output.emit_json([item.model_dump(mode="json") for item in items])
            else:
                typer.echo(f"{len(items)} action item(s) made from the post-mortem")
            return
        if action == "diff":
            with rt.db.read() as session:
                newest = documents.get(session, incident_id).version
                new_number = end or newest
                old_number = start or max(1, new_number - 1)
                old = documents.version(session, incident_id, old_number).body
                new = documents.version(session, incident_id, new_number).body
            lines = diff(old, new, old_name=f"v{old_number}", new_name=f"v{new_number}")
            typer.echo("\n".join(lines))
            return
        with rt.db.write.begin() as session:
            if action == "draft":
                made = documents.create(
                    session,
                    ctx=rt.ctx,
                    actor=actor(by),
                    incident_id=incident_id,
                    unresolved=unresolved,
                )
            elif action == "edit":
                current = documents.get(session, incident_id)
                text = _text_of(file, current.body)
                made = documents.edit(
                    session,
                    ctx=rt.ctx,
                    actor=actor(by),
                    incident_id=incident_id,
                    body=text,
                    base_version=current.version,
                )
            elif action in MOVES:
                made = documents.move(
                    session,
                    ctx=rt.ctx,
                    actor=actor(by),
                    incident_id=incident_id,
                    state=MOVES[action],
                )
            else:
                made = documents.get(session, incident_id)
            view = postmortem_view(session, made)
    if out is not None:
        target = out / view.export_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(view.body, encoding="utf-8")
        typer.echo(str(target), err=json)
    if json:
        output.emit_json(view)
    elif out is None:
        if action == "show":
            typer.echo(view.body, nl=False)
        else:
            typer.echo(f"{view.incident}: post-mortem {view.state}, version {view.version}")


def _overdue(db: str | None, config: Path | None, as_json: bool) -> None:
    with opened(db, config) as rt, rt.db.read() as session:
        late = documents.overdue(session, now=rt.ctx.clock.now())
    if as_json:
        output.emit_json([dict(item.__dict__, due_at=item.due_at.isoformat()) for item in late])
        return
    output.table(
        ("incident", "severity", "title", "commander", "was due", "post-mortem"),
        (
            (i.ref, i.severity, i.title, i.commander, output.when(i.due_at), i.state or "none")
            for i in late
        ),
        empty="No post-mortem is overdue.",
    )


def list_actions(
    owner: Annotated[
        str | None, typer.Option(metavar=metavars.PERSON, help="Only this person's.")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open ones past due.")] = False,
    incident: Annotated[
        str | None, typer.Option(metavar=metavars.REF, help="Only this incident's.")
    ] = None,
    status: Annotated[
        str, typer.Option(metavar=metavars.STATUS, help="open, done, dropped or all.")
    ] = "open",
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """List action items, soonest due first (overdue ones marked)."""
    with opened(db, config) as rt, rt.db.read() as session:
        wanted = None if status == "all" else parse_action_status(status)
        items = actions.listed(
            session,
            ctx=rt.ctx,
            owner=owner,
            overdue=overdue,
            incident_id=parse_ref(incident) if incident else None,
            status=wanted,
        )
    if json:
        output.emit_json([item.model_dump(mode="json") for item in items])
        return
    output.table(
        ("id", "incident", "title", "owner", "kind", "status", "due"),
        (
            (
                i.id,
                i.incident,
                i.title,
                i.owner,
                i.kind,
                "[red]overdue[/]" if i.overdue else i.status,
                output.when(i.due_at),
            )
            for i in items
        ),
        empty="No action items.",
    )


@action_app.command("add")
def add_action(
    ref: str,
    title: str,
    owner: Annotated[str, typer.Option(metavar=metavars.PERSON, help="A person warroom knows.")],
    due: Annotated[
        str, typer.Option(metavar=metavars.TIME, help="ISO 8601 time, e.g. 2026-12-01T17:00:00Z.")
    ],
    kind: Annotated[
        str, typer.Option(metavar=metavars.KIND, help="prevent, detect, mitigate or process.")
    ] = "prevent",
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Add an action item to an incident."""
    due_at = parse_at(due)
    assert due_at is not None
    with opened(db, config) as rt, rt.db.write.begin() as session:
        item = actions.create(
            session,
            ctx=rt.ctx,
            actor=actor(by),
            incident_id=parse_ref(ref),
            title=title,
            owner=owner,
            due_at=due_at,
            kind=parse_kind(kind),
        )
    if json:
        output.emit_json(item)
    else:
        typer.echo(f"Action item #{item.id} for {item.owner}, due {output.when(item.due_at)}")


def _set(
    item_id: int,
    status: ActionStatus,
    by: str | None,
    json: bool,
    db: str | None,
    config: Path | None,
) -> None:
    with opened(db, config) as rt, rt.db.write.begin() as session:
        item = actions.set_status(
            session, ctx=rt.ctx, actor=actor(by), item_id=item_id, status=status
        )
    if json:
        output.emit_json(item)
    else:
        typer.echo(f"Action item #{item.id} {item.status}")


@action_app.command("done")
def done(
    item_id: int, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Mark an action item done."""
    _set(item_id, ActionStatus.DONE, by, json, db, config)


@action_app.command("drop")
def drop(
    item_id: int, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Drop an action item (it will not be done)."""
    _set(item_id, ActionStatus.DROPPED, by, json, db, config)


@action_app.command("issue")
def issue(item_id: int, db: Db = None, config: ConfigPath = None) -> None:
    """Print an action item as a GitHub-style issue body (Markdown)."""
    with opened(db, config) as rt, rt.db.read() as session:
        item = actions.get(session, ctx=rt.ctx, item_id=item_id)
        typer.echo(actions.issue_body(item, rt.ctx.public_url), nl=False)
