"""Daily uptime from the spans incidents touched a component."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from warroom.domain.status_page import ComponentStatus
from warroom.domain.uptime import Span, daily, overall

TODAY = date(2026, 11, 2)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_no_incidents_is_a_full_record() -> None:
    days = daily([], today=TODAY, days=90)
    assert len(days) == 90 and days[0].day == TODAY - timedelta(days=89) and days[-1].day == TODAY
    assert overall(days) == 1.0
    assert {d.status for d in days} == {ComponentStatus.OPERATIONAL}


def test_a_major_outage_counts_fully_a_partial_one_at_thirty_percent() -> None:
    spans = [
        Span(at(1, 0), at(1, 6), ComponentStatus.MAJOR_OUTAGE),  # a quarter of the day
        Span(at(2, 0), at(2, 12), ComponentStatus.PARTIAL_OUTAGE),  # half, at 30%
        Span(at(2, 12), at(2, 18), ComponentStatus.DEGRADED_PERFORMANCE),  # costs nothing
    ]
    *_, first, second = daily(spans, today=TODAY, days=3)
    assert first.uptime == 0.75 and first.status == ComponentStatus.MAJOR_OUTAGE
    assert abs(second.uptime - 0.85) < 1e-9
    assert second.status == ComponentStatus.PARTIAL_OUTAGE and second.incidents == 2


def test_a_span_across_midnight_counts_on_both_days() -> None:
    span = Span(at(1, 18), at(2, 6), ComponentStatus.MAJOR_OUTAGE)
    *_, first, second = daily([span], today=TODAY, days=2)
    assert first.uptime == 0.75 and second.uptime == 0.75
