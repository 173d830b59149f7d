"""Commands for paging: who is on call, test a person's contacts, see deliveries."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, fail, opened, parse_at
from warroom.domain.incidents import parse_ref
from warroom.services.directory import schedule_views
from warroom.services.paging import deliveries

notify_app = typer.Typer(help="Notifications.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("oncall")(oncall)
    app.command("deliveries")(list_deliveries)
    app.add_typer(notify_app, name="notify")


def oncall(
    schedule: Annotated[str | None, typer.Argument(help="One schedule (default: all).")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", metavar=metavars.TIME, help="When (ISO 8601); default now."),
    ] = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Who is on call, and when the next handoff is."""
    with opened(db, config) as rt:  # migrated: stored overrides are read
        moment = parse_at(at) or rt.ctx.clock.now()
        chosen = [s for s in rt.ctx.config.schedules if schedule in (None, s.name)]
        if schedule and not chosen:
            fail(f"schedule {schedule!r} is not in the config")
        with rt.db.read() as session:  # stored overrides count
            reads = [schedule_views.who(session, rt.ctx.config, s.name, moment) for s in chosen]
    rows = []
    for read in reads:
        handoff = read.next_handoff
        rows.append(
            {
                "schedule": read.schedule,
                "on_call": read.on_call,
                "next_handoff": handoff.at if handoff else None,
                "next": handoff.to_person if handoff else None,
            }
        )
    if json:
        output.emit_json({"at": moment, "items": rows})
        return
    output.table(
        ("SCHEDULE", "ON CALL", "NEXT HANDOFF", "NEXT"),
        ([value or None for value in row.values()] for row in rows),
        empty="No schedules in the config.",
    )


def list_deliveries(
    ref: Annotated[str | None, typer.Argument(help="Only this incident's.")] = None,
    status: Annotated[
        str | None,
        typer.Option(metavar=metavars.STATUS, help="pending, running (sending), done or failed."),
    ] = None,
    limit: Annotated[int, typer.Option(metavar=metavars.COUNT, min=1, max=1000)] = 50,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Notifications and their state: pending, running (sending), done, failed."""
    with opened(db, config, existing=True) as rt, rt.db.read() as session:
        incident_id = parse_ref(ref) if ref else None
        found = deliveries.list_deliveries(
            session, incident_id=incident_id, status=status, limit=limit
        )
        rows = [deliveries.describe(job) for job in found]
    if json:
        output.emit_json({"items": [row.model_dump(mode="json") for row in rows]})
        return
    output.table(
        ("ID", "INCIDENT", "PERSON", "CHANNEL", "MESSAGE", "STATUS", "TRIES", "ERROR"),
        (
            (r.id, r.incident, r.person, r.channel, r.message, r.status, r.attempts, r.error)
            for r in rows
        ),
        empty="No deliveries.",
    )


@notify_app.command("test")
def notify_test(
    person: str, by: By = None, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """Queue a test message to every contact of a person (the worker sends it)."""
    who = actor(by)
    with opened(db, config) as rt, rt.db.write.begin() as session:
        count = deliveries.send_test(session, ctx=rt.ctx, actor=who, name=person)
    if json:
        output.emit_json({"person": person, "queued": count})
    else:
        typer.echo(f"{count} test message(s) queued for {person}; see `warroom deliveries`")
