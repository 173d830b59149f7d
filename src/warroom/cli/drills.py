"""`warroom drill`: a synthetic alert through the real path, timed until acknowledged."""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import By, ConfigPath, Db, Json, actor, opened
from warroom.domain.durations import parse_duration
from warroom.domain.incidents import parse_ref
from warroom.services.drills import runs
from warroom.services.drills.runs import DrillTimes

POLL_SECONDS = 0.5


def register(app: typer.Typer) -> None:
    app.command("drill")(drill)


def drill(
    service: Annotated[
        str | None, typer.Option(metavar=metavars.SERVICE, help="The service the alert is about.")
    ] = None,
    severity: Annotated[
        str | None, typer.Option(metavar=metavars.LEVEL, help="Level id, e.g. P1.")
    ] = None,
    wait: Annotated[
        str,
        typer.Option(
            metavar=metavars.DURATION,
            help="How long to wait for the page and acknowledgement; 0s: not.",
        ),
    ] = "15m",
    report: Annotated[
        str | None,
        typer.Option(
            metavar=metavars.REF, help="Only report the times of an earlier drill (INC-n)."
        ),
    ] = None,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Run a drill: page as for a real alert, and time the page and acknowledgement."""
    try:
        patience = parse_duration(wait).total_seconds()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--wait") from None
    with opened(db, config) as rt:
        if report is not None:
            incident_id = parse_ref(report)
        else:
            with rt.db.write.begin() as session:
                incident_id = runs.start(
                    session, ctx=rt.ctx, service=service, severity=severity, actor=actor(by)
                )
            if not json:
                typer.echo(
                    f"INC-{incident_id}: drill opened; waiting for the page and the "
                    "acknowledgement (the worker of `warroom serve` pages)",
                    err=True,
                )
        deadline = time.monotonic() + (0 if report else patience)
        while True:
            with rt.db.read() as session:
                found = runs.times(session, incident_id)
            if found.acknowledged_at is not None or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
    _show(found, as_json=json)


def _show(found: DrillTimes, *, as_json: bool) -> None:
    if as_json:
        output.emit_json(dataclasses.asdict(found))
        return
    page = (
        f"{found.seconds_to_page:.1f}s (to {found.paged})"
        if found.seconds_to_page is not None
        else "no page sent yet"
    )
    ack = (
        f"{found.seconds_to_acknowledge:.1f}s (by {found.acknowledged_by})"
        if found.seconds_to_acknowledge is not None
        else "not acknowledged yet"
    )
    kind = "drill" if found.drill else "incident (not a drill)"
    typer.echo(f"{found.ref} {kind}\n  time to page:        {page}\n  time to acknowledge: {ack}")
