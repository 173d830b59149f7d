"""`warroom report`: MTTA, MTTR, time to mitigate and detect, counts and SLA compliance."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli import metavars, output
from warroom.cli.runtime import ConfigPath, Db, Json, opened
from warroom.domain.durations import format_duration
from warroom.domain.incidents import parse_ref
from warroom.services.postmortems import similar
from warroom.services.reports import figures, ranges, tables


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("similar")(similar_incidents)


def _time(seconds: float | None) -> str | None:
    from datetime import timedelta

    return None if seconds is None else format_duration(timedelta(seconds=round(seconds)))


def _share(value: float | None) -> str | None:
    return None if value is None else f"{value:.0%}"


def report(
    since: Annotated[
        str | None, typer.Option(metavar=metavars.WHEN, help="90d, 2026-10-01 or an ISO time.")
    ] = None,
    until: Annotated[str | None, typer.Option(metavar=metavars.WHEN, help="Default: now.")] = None,
    by: Annotated[
        str,
        typer.Option(
            metavar=metavars.GROUPING, help="severity, service, month, commander or total."
        ),
    ] = ("total"),
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """How the team responds: incidents declared in the range, drills left out."""
    with opened(db, config) as rt:
        grouping = figures.parse_by(by)
        start, end = ranges.span(rt.ctx.clock.now(), since, until)
        with rt.db.read() as session:
            made = figures.report(session, ctx=rt.ctx, since=start, until=end, by=grouping)
    if json:
        output.emit_json(made.as_dict())
        return
    if csv:
        typer.echo(tables.csv_text(made), nl=False)
        return
    rows = made.rows if grouping != figures.By.TOTAL else []
    output.table(
        (grouping.value, "incidents", "MTTA", "MTTM", "MTTR", "MTTD", "ack SLA", "cadence"),
        (
            (
                r.key,
                r.incidents,
                _time(r.mtta_seconds),
                _time(r.mttm_seconds),
                _time(r.mttr_seconds),
                _time(r.mttd_seconds),
                _share(r.ack_sla),
                _share(r.cadence_sla),
            )
            for r in [*rows, made.total]
        ),
        empty="No incidents in this range.",
        title=f"{output.when(start)} to {output.when(end)}",
    )


def similar_incidents(
    ref: str, json: Json = False, db: Db = None, config: ConfigPath = None
) -> None:
    """The past incidents most like this one, with how each was resolved."""
    with opened(db, config) as rt, rt.db.read() as session:
        found = similar.similar(session, parse_ref(ref))
    if json:
        output.emit_json([similar.as_dict(item) for item in found])
        return
    output.table(
        ("incident", "severity", "service", "title", "how it ended", "post-mortem"),
        (
            (i.ref, i.severity, i.service, i.title, i.how, "yes" if i.has_postmortem else "no")
            for i in found
        ),
        empty="No similar past incident.",
    )
