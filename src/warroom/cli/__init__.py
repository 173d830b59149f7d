"""The `warroom` command: the second composition root, beside app.create_app."""

from __future__ import annotations

from warroom import startup

with startup.collector_paused():  # while the commands load: see warroom.startup
    import typer

    from warroom.cli import admin, alerts, incidents, overrides, paging, people, responder, users

app = typer.Typer(
    name="warroom",
    help="Incident response: declare, acknowledge, update and resolve incidents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
incidents.register(app)
admin.register(app)
alerts.register(app)
paging.register(app)
people.register(app)
users.register(app)
responder.register(app)
overrides.register(app)


def main() -> None:
    app()
