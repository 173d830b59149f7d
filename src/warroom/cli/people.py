"""`warroom person …` and `warroom team …`: people and teams stored in the database,
listed beside those of the config file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened
from warroom.services.directory import lookup, people, teams
from warroom.services.directory.views import ContactRead, people_views, stored_person, team_view
from warroom.services.paging import failing_contacts

person_app = typer.Typer(help="People warroom can page.", no_args_is_help=True)
team_app = typer.Typer(help="Teams of people.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(person_app, name="person")
    app.add_typer(team_app, name="team")


@person_app.command("add")
def person_add(
    name: str,
    email: Annotated[
        str | None, typer.Option(metavar=metavars.EMAIL, help="Email address.")
    ] = None,
    timezone: Annotated[
        str, typer.Option(metavar=metavars.TIMEZONE, help="Time zone, e.g. Europe/Oslo.")
    ] = "UTC",
    contact: Annotated[
        list[str] | None,
        typer.Option(
            "--contact",
            metavar=metavars.URL,
            help="Apprise URL or webhook+https://…?secret=… (repeat).",
        ),
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Add a person (stored in the database; config-file people stay in the config)."""
    fields = {"name": name, "email": email, "timezone": timezone, "contacts": contact or []}
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        row = people.add(session, ctx=rt.ctx, actor=who, fields=fields)
        view = stored_person(session, row)
    if json:
        output.emit_json(view)
    else:
        typer.echo(f"person {view.name} added with {len(view.contacts)} contact(s)")


@person_app.command("ls")
def person_list(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """List people: those of the config file and those stored."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        views = people_views(session, rt.ctx.config)
    if json:
        output.emit_json({"items": [v.model_dump(mode="json") for v in views]})
        return
    rows = [(v.name, v.source, v.timezone, v.email, _channels(v.contacts) or None) for v in views]
    columns = ("NAME", "SOURCE", "TIME ZONE", "EMAIL", "CONTACTS")
    output.table(columns, rows, empty="No people yet.")


def _channels(contacts: Iterable[ContactRead]) -> str:
    return ", ".join(c.channel + (" (disabled)" if c.disabled else "") for c in contacts)


@person_app.command("rm")
def person_remove(
    name: str, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Remove a stored person (refused while a stored team lists them)."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        people.remove(session, ctx=rt.ctx, actor=who, name=name)
    if json:
        output.emit_json({"name": name, "removed": True})
    else:
        typer.echo(f"person {name} removed")


@person_app.command("enable-contact")
def person_enable_contact(
    name: str,
    contact: Annotated[str, typer.Argument(help="The contact's id (`person ls --json`).")],
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Turn a contact that was disabled after failing back on."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        was_off = failing_contacts.enable(
            session, ctx=rt.ctx, actor=who, person=name, contact=contact
        )
    if json:
        output.emit_json(
            {"name": name, "contact": contact, "enabled": True, "was_disabled": was_off}
        )
    else:
        state = "enabled again" if was_off else "was not disabled"
        typer.echo(f"contact {contact} of {name} {state}")


@team_app.command("add")
def team_add(
    name: str,
    member: Annotated[
        list[str],
        typer.Option("--member", metavar=metavars.PERSON, help="A person's name (repeat)."),
    ],
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Add a team of people warroom knows (config or stored)."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        row = teams.add(session, ctx=rt.ctx, actor=who, name=name, members=member)
        result = {"name": row.name, "source": "api", "members": list(row.members)}
    if json:
        output.emit_json(result)
    else:
        typer.echo(f"team {name} added: {', '.join(result['members'])}")


@team_app.command("ls")
def team_list(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """List teams: those of the config file and those stored."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        views = [team_view(t) for t in lookup.teams(session, rt.ctx.config)]
    if json:
        output.emit_json({"items": [v.model_dump(mode="json") for v in views]})
        return
    rows = [(v.name, v.source, ", ".join(v.members)) for v in views]
    output.table(("NAME", "SOURCE", "MEMBERS"), rows, empty="No teams yet.")


@team_app.command("rm")
def team_remove(
    name: str, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Remove a stored team."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        teams.remove(session, ctx=rt.ctx, actor=who, name=name)
    if json:
        output.emit_json({"name": name, "removed": True})
    else:
        typer.echo(f"team {name} removed")
