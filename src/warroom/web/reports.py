"""/reports: MTTA and MTTR by month, incidents by severity and by service, and SLA
compliance by month, as SVG charts drawn on the server with their numbers in tables."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from warroom.errors import WarroomError
from warroom.services.reports import figures, ranges
from warroom.services.reports.figures import By, Report
from warroom.web import charts, render
from warroom.web.auth import SignedIn
from warroom.web.errors import PageRefused
from warroom.web.state import web_state

router = APIRouter(include_in_schema=False)
PAGE_SINCE = "365d"  # a year: enough months for a trend


def _charts(monthly: Report, severities: Report, services: Report) -> list[charts.Chart]:
    months = [row.key for row in monthly.rows]
    return [
        charts.lines(
            "times",
            "Mean time to acknowledge and to resolve, by month",
            months,
            [
                ("MTTA", [charts.in_minutes(row.mtta_seconds) for row in monthly.rows]),
                ("MTTR", [charts.in_minutes(row.mttr_seconds) for row in monthly.rows]),
            ],
            charts.minutes,
        ),
        charts.lines(
            "sla",
            "SLA compliance by month",
            months,
            [
                ("Acknowledged in time", [row.ack_sla for row in monthly.rows]),
                ("Updates on cadence", [row.cadence_sla for row in monthly.rows]),
            ],
            charts.percent,
            top=1.0,
        ),
        charts.bars(
            "severity",
            "Incidents by severity",
            [(row.key, float(row.incidents)) for row in severities.rows],
            charts.count,
        ),
        charts.bars(
            "service",
            "Incidents by service",
            [(row.key, float(row.incidents)) for row in services.rows],
            charts.count,
        ),
    ]


def _tables(monthly: Report, severities: Report, services: Report) -> dict[str, Any]:
    return {"times": monthly, "sla": monthly, "severity": severities, "service": services}


@router.get("/reports")
def reports_page(
    request: Request, _: SignedIn, since: str = PAGE_SINCE, until: str = ""
) -> HTMLResponse:
    state = web_state(request)
    try:
        start, end = ranges.span(state.ctx.clock.now(), since or PAGE_SINCE, until or None)
        with state.db.read() as session:
            made = {
                by: figures.report(session, ctx=state.ctx, since=start, until=end, by=by)
                for by in (By.MONTH, By.SEVERITY, By.SERVICE)
            }
    except WarroomError as exc:
        raise PageRefused(exc) from None
    monthly, severities, services = made[By.MONTH], made[By.SEVERITY], made[By.SERVICE]
    return render.page(
        request,
        "reports.html.j2",
        since=since,
        until=until,
        start=start,
        end=end,
        total=monthly.total,
        charts=_charts(monthly, severities, services),
        tables=_tables(monthly, severities, services),
        minutes=lambda seconds: charts.minutes(seconds / 60),
        percent=charts.percent,
    )
