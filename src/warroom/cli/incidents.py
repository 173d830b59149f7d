"""Commands that act on incidents: declare, ack, status, update, severity, assign, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from warroom.cli import metavars, output
from warroom.cli.runtime import (
    At,
    By,
    ConfigPath,
    Db,
    Json,
    Runtime,
    actor,
    naming,
    opened,
    parse_at,
)
from warroom.db.models import Incident
from warroom.domain.incidents import parse_ref, parse_role, parse_status
from warroom.services.directory import lookup
from warroom.services.incidents import lifecycle, queries, roles, timeline
from warroom.services.incidents.views import event_view, incident_view

Act = Callable[[Session, Runtime], Incident]


def _act(db: str | None, config: ConfigPath, as_json: bool, verb: str, act: Act) -> None:
    with opened(db, config) as rt, rt.db.write.begin() as session:
        view = incident_view(act(session, rt))
    if as_json:
        output.emit_json(view)
    else:
        output.done(view, verb)


def _warn_if_unknown(session: Session, rt: Runtime, name: str | None, field: str) -> None:
    """A warning on stderr when a name given for a role is no person warroom knows."""
    warning = lookup.vet_person(session, rt.ctx.config, name.strip(), field=field) if name else None
    if warning:
        typer.echo(f"warning: {warning}; recorded as given", err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def declare(
        title: str,
        severity: Annotated[
            str, typer.Option("--severity", "-s", metavar=metavars.LEVEL, help="Level id, e.g. P1.")
        ],
        service: Annotated[
            str | None, typer.Option(metavar=metavars.SERVICE, help="Affected service.")
        ] = None,
        summary: Annotated[
            str | None, typer.Option(metavar=metavars.MESSAGE, help="What is happening.")
        ] = None,
        impact: Annotated[
            str | None, typer.Option(metavar=metavars.MESSAGE, help="Who is affected, how.")
        ] = None,
        commander: Annotated[
            str | None, typer.Option(metavar=metavars.PERSON, help="Incident commander.")
        ] = None,
        at: At = None,
        by: By = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Declare an incident."""
        when = parse_at(at)

        def act(s: Session, rt: Runtime) -> Incident:
            _warn_if_unknown(s, rt, commander, "commander")
            return lifecycle.declare(
                s,
                ctx=rt.ctx,
                actor=actor(by),
                title=title,
                severity=severity,
                service=service,
                summary=summary,
                impact=impact,
                commander=commander,
                at=when,
            )

        _act(db, config, json, "declared", act)

    @app.command()
    def ack(
        ref: str,
        by: By = None,
        at: At = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Acknowledge an incident."""
        when = parse_at(at)
        _act(
            db,
            config,
            json,
            "acknowledged",
            lambda s, rt: lifecycle.acknowledge(
                s, ctx=rt.ctx, actor=actor(by), incident_id=parse_ref(ref), at=when
            ),
        )

    @app.command()
    def status(
        ref: str,
        status: str,
        message: Annotated[
            str | None, typer.Option("--message", "-m", metavar=metavars.MESSAGE)
        ] = None,
        by: By = None,
        at: At = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Move an incident to a later status."""
        when = parse_at(at)
        _act(
            db,
            config,
            json,
            "moved",
            lambda s, rt: lifecycle.change_status(
                s,
                ctx=rt.ctx,
                actor=actor(by),
                incident_id=parse_ref(ref),
                status=parse_status(status),
                message=message,
                at=when,
            ),
        )

    @app.command()
    def update(
        ref: str,
        message: str,
        public: Annotated[bool, typer.Option("--public", help="Show on the status page.")] = False,
        by: By = None,
        at: At = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Post an update (internal unless --public)."""
        when = parse_at(at)
        _act(
            db,
            config,
            json,
            "updated",
            lambda s, rt: lifecycle.post_update(
                s,
                ctx=rt.ctx,
                actor=actor(by),
                incident_id=parse_ref(ref),
                message=message,
                public=public,
                at=when,
            ),
        )

    @app.command()
    def severity(
        ref: str,
        level: str,
        reason: Annotated[
            str | None, typer.Option("--reason", "-r", metavar=metavars.REASON)
        ] = None,
        by: By = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Change an incident's severity (raising to one of the top two levels needs
        --reason)."""

        def act(s: Session, rt: Runtime) -> Incident:
            with naming("reason", "--reason"):
                return lifecycle.change_severity(
                    s,
                    ctx=rt.ctx,
                    actor=actor(by),
                    incident_id=parse_ref(ref),
                    severity=level,
                    reason=reason,
                )

        _act(db, config, json, "re-rated", act)

    @app.command()
    def assign(
        ref: str,
        role: str,
        person: str,
        by: By = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Give someone a role: commander, comms, responder or scribe."""

        def act(s: Session, rt: Runtime) -> Incident:
            _warn_if_unknown(s, rt, person, "person")
            return roles.assign_role(
                s,
                ctx=rt.ctx,
                actor=actor(by),
                incident_id=parse_ref(ref),
                role=parse_role(role),
                person=person,
            )

        _act(db, config, json, "assigned", act)

    @app.command()
    def resolve(
        ref: str,
        message: Annotated[
            str | None, typer.Option("--message", "-m", metavar=metavars.MESSAGE)
        ] = None,
        by: By = None,
        at: At = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Resolve an incident."""
        when = parse_at(at)
        _act(
            db,
            config,
            json,
            "resolved",
            lambda s, rt: lifecycle.resolve(
                s, ctx=rt.ctx, actor=actor(by), incident_id=parse_ref(ref), message=message, at=when
            ),
        )

    @app.command()
    def reopen(
        ref: str,
        message: Annotated[
            str | None, typer.Option("--message", "-m", metavar=metavars.MESSAGE)
        ] = None,
        by: By = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Return a monitoring or resolved incident to investigating."""
        _act(
            db,
            config,
            json,
            "reopened",
            lambda s, rt: lifecycle.reopen(
                s, ctx=rt.ctx, actor=actor(by), incident_id=parse_ref(ref), message=message
            ),
        )

    @app.command()
    def close(
        ref: str,
        override: Annotated[
            str | None,
            typer.Option(
                metavar=metavars.REASON,
                help="Why it closes without its required post-mortem published.",
            ),
        ] = None,
        by: By = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """Close an incident for good (a required post-mortem must be published first)."""
        _act(
            db,
            config,
            json,
            "closed",
            lambda s, rt: lifecycle.close(
                s, ctx=rt.ctx, actor=actor(by), incident_id=parse_ref(ref), override=override
            ),
        )

    @app.command("ls")
    def list_(
        status: Annotated[
            str, typer.Option(metavar=metavars.STATUS, help="open, all, or a status.")
        ] = "open",
        severity: Annotated[str | None, typer.Option(metavar=metavars.LEVEL)] = None,
        service: Annotated[str | None, typer.Option(metavar=metavars.SERVICE)] = None,
        limit: Annotated[
            int, typer.Option(metavar=metavars.COUNT, min=1, max=queries.MAX_LIMIT)
        ] = 50,
        cursor: Annotated[
            str | None,
            typer.Option(metavar=metavars.CURSOR, help="next_cursor of a previous page."),
        ] = None,
        json: Json = False,
        db: Db = None,
        config: ConfigPath = None,
    ) -> None:
        """List incidents, newest first."""
        with opened(db, config, existing=True) as rt, rt.db.read() as session:
            page = queries.list_incidents(
                session,
                ctx=rt.ctx,
                status=status,
                severity=severity,
                service=service,
                limit=limit,
                cursor=cursor,
            )
            items = [incident_view(i) for i in page.items]
            ranks = {s.id: n for n, s in enumerate(rt.ctx.config.severities)}
        if json:
            output.emit_json(
                {
                    "items": [i.model_dump(mode="json") for i in items],
                    "next_cursor": page.next_cursor,
                }
            )
        else:
            output.incident_table(items, ranks)
            if page.next_cursor:
                output.console().print(f"More: --cursor {page.next_cursor}")

    @app.command()
    def show(ref: str, json: Json = False, db: Db = None, config: ConfigPath = None) -> None:
        """Show an incident and its timeline."""
        with opened(db, config, existing=True) as rt, rt.db.read() as session:
            incident_id = parse_ref(ref)
            view = incident_view(lifecycle.get(session, incident_id))
            events = [event_view(e) for e in timeline.events_of(session, incident_id)]
        if json:
            output.emit_json(
                {
                    "incident": view.model_dump(mode="json"),
                    "timeline": [e.model_dump(mode="json") for e in events],
                }
            )
        else:
            output.incident_detail(view, events)
