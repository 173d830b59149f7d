"""The `warroom` command: the second composition root, beside app.create_app."""

from __future__ import annotations

from typing import Annotated

from warroom import startup

with startup.collector_paused():  # while the commands load: see warroom.startup
    import typer

    from warroom import __version__
    from warroom.cli import (
        admin,
        alerts,
        audit,
        checks,
        drills,
        duties,
        incidents,
        overrides,
        paging,
        people,
        postmortems,
        reports,
        responder,
        runbooks,
        statuspage,
        usage,
        users,
    )

usage.install()

app = typer.Typer(
    name="warroom",
    help="Incident response: declare, acknowledge, update and resolve incidents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"warroom {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Incident response: declare, acknowledge, update and resolve incidents."""


incidents.register(app)
admin.register(app)
alerts.register(app)
paging.register(app)
people.register(app)
users.register(app)
statuspage.register(app)
postmortems.register(app)
reports.register(app)
runbooks.register(app)
checks.register(app)
drills.register(app)
duties.register(app)
responder.register(app)
overrides.register(app)
audit.register(app)


def main() -> None:
    app()
