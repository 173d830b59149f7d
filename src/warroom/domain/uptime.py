"""Daily uptime of a component from the spans its incidents touched it (pure).

A day's uptime counts a major outage fully and a partial outage at 30% (as Statuspage
does); degraded performance and maintenance cost nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from warroom.domain.status_page import ComponentStatus, worst_component

WEIGHT = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime
    status: ComponentStatus


@dataclass(frozen=True, slots=True)
class DayUptime:
    day: date
    status: ComponentStatus  # the worst status seen that day
    uptime: float  # 0..1
    incidents: int

    @property
    def percent(self) -> str:
        return f"{self.uptime * 100:.2f}%"


def daily(spans: list[Span], *, today: date, days: int) -> list[DayUptime]:
    """One entry per day, oldest first, ending with `today` (UTC days)."""
    result = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(), tzinfo=UTC)
        end = start + DAY
        touching = [s for s in spans if s.start < end and s.end > start]
        lost = sum(
            WEIGHT.get(s.status, 0.0) * (min(s.end, end) - max(s.start, start)).total_seconds()
            for s in touching
        )
        uptime = max(0.0, 1.0 - lost / DAY.total_seconds())
        status = worst_component([s.status for s in touching])
        result.append(DayUptime(day, status, uptime, len(touching)))
    return result


def overall(days: list[DayUptime]) -> float:
    return sum(d.uptime for d in days) / len(days) if days else 1.0
