"""`warroom user`: people who sign in to the web UI (a role and a password)."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened
from warroom.domain.access import parse_access_role
from warroom.services.access import users

user_app = typer.Typer(help="Web UI users.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


def _password(given: str | None) -> str:
    if given is not None:
        return given
    prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


@user_app.command("create")
def user_create(
    name: str,
    role: Annotated[str, typer.Option(metavar=metavars.ROLE, help="viewer, responder or admin.")],
    email: Annotated[
        str | None, typer.Option(metavar=metavars.EMAIL, help="Their email address.")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            metavar=metavars.TIMEZONE, help="Times on pages are shown in it, e.g. Europe/Oslo."
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(metavar=metavars.PASSWORD, help="Their password (asked for when left out)."),
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Create a user who signs in to the web UI at /login."""
    who = actor(by)
    with opened(db, config) as rt:
        access = parse_access_role(role)
        secret = _password(password)
        with rt.db.write.begin() as session:
            user = users.create(
                session,
                ctx=rt.ctx,
                actor=who,
                name=name,
                role=access,
                password=secret,
                email=email,
                timezone=timezone,
            )
    if json:
        output.emit_json({"name": user.name, "role": user.role.value, "email": email})
    else:
        typer.echo(f"user {user.name} ({user.role}) can now sign in at /login")


@user_app.command("password")
def user_password(
    name: str,
    password: Annotated[
        str | None,
        typer.Option(metavar=metavars.PASSWORD, help="The new password (asked for when left out)."),
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Set a user's password; their open sessions end."""
    who = actor(by)
    with opened(db, config) as rt:
        secret = _password(password)
        with rt.db.write.begin() as session:
            user = users.set_password(session, ctx=rt.ctx, actor=who, name=name, password=secret)
    if json:
        output.emit_json({"name": user.name, "role": user.role.value})
    else:
        typer.echo(f"password of {user.name} changed")


@user_app.command("ls")
def user_list(json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
    """List the users who may sign in."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        rows = [
            {
                "name": r.name,
                "role": r.role,
                "email": r.email,
                "disabled": r.disabled_at is not None,
            }
            for r in users.list_users(session)
        ]
    if json:
        output.emit_json({"items": rows})
        return
    columns = ("NAME", "ROLE", "EMAIL", "DISABLED")
    output.table(columns, (row.values() for row in rows), empty="No users.")
