"""Reports from incidents with known times: exactly the expected MTTA, MTTR, time to
mitigate and SLA compliance, drills left out, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.postmortems import scenario

from warroom.db.engine import Database
from warroom.errors import Invalid
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.reports import figures
from warroom.services.reports.figures import By


def _report(database: Database, ctx: Context, by: By, days: int = 30) -> figures.Report:
    now = ctx.clock.now()
    with database.read() as session:
        return figures.report(session, ctx=ctx, since=now - timedelta(days=days), until=now, by=by)


def test_the_totals_are_exactly_the_hand_worked_figures(
    database: Database, ctx: Context, worker: Worker
) -> None:
    scenario.build(database, ctx)
    worker.run_due()  # the reminders of silent incidents land on their timelines
    total = _report(database, ctx, By.TOTAL).total
    for name, expected in scenario.EXPECTED_TOTAL.items():
        assert getattr(total, name) == expected, name
    assert total.ack_sla == 0.5 and total.cadence_sla == 0.5


def test_by_severity_comes_in_rank_order_with_each_levels_figures(
    database: Database, ctx: Context, worker: Worker
) -> None:
    scenario.build(database, ctx)
    worker.run_due()
    rows = {row.key: row for row in _report(database, ctx, By.SEVERITY).rows}
    assert list(rows) == ["P0", "P1", "P2"]
    assert rows["P1"].incidents == 2  # the P1 drill is left out
    assert rows["P1"].mtta_seconds == 750.0 and rows["P1"].mttr_seconds == 5400.0
    assert (rows["P1"].ack_met, rows["P1"].ack_due) == (1, 2)
    assert rows["P0"].mtta_seconds is None and (rows["P0"].ack_met, rows["P0"].ack_due) == (0, 1)


def test_by_service_and_commander_name_the_missing_ones(database: Database, ctx: Context) -> None:
    scenario.build(database, ctx)
    services = {row.key: row.incidents for row in _report(database, ctx, By.SERVICE).rows}
    assert services == {"(none)": 1, "checkout": 2, "search": 1}
    commanders = {row.key: row.incidents for row in _report(database, ctx, By.COMMANDER).rows}
    assert commanders == {"(none)": 1, "alice": 2, "bob": 1}


def test_by_month_groups_by_the_true_declaration_time(database: Database, ctx: Context) -> None:
    scenario.build(database, ctx)
    months = {row.key: row.incidents for row in _report(database, ctx, By.MONTH).rows}
    assert months == {"2026-10": 3, "2026-11": 1}  # 10, 9, 8 days before 2 Nov; 2 hours


def test_a_range_picks_incidents_by_when_they_were_declared(
    database: Database, ctx: Context
) -> None:
    scenario.build(database, ctx)
    assert _report(database, ctx, By.TOTAL, days=6).total.incidents == 1  # only E


def test_an_empty_range_is_an_empty_report(database: Database, ctx: Context) -> None:
    report = _report(database, ctx, By.SEVERITY)
    assert report.rows == []
    assert report.total.incidents == 0 and report.total.mtta_seconds is None
    assert report.total.ack_sla is None


def test_a_backwards_range_is_refused_naming_the_field(database: Database, ctx: Context) -> None:
    now = ctx.clock.now()
    with database.read() as session, pytest.raises(Invalid) as refused:
        figures.report(session, ctx=ctx, since=now, until=now - timedelta(days=1))
    assert refused.value.field == "until"
