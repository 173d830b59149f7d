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
    """One entry per day, oldest first, ending with `today` (UTC days). Each span visits
    only the days it touches."""
    first = today - timedelta(days=days - 1)
    origin = datetime.combine(first, time(), tzinfo=UTC)
    lost = [0.0] * days
    worst: list[list[ComponentStatus]] = [[] for _ in range(days)]
    for span in spans:
        if span.end <= origin or span.end <= span.start:
            continue
        low = max(0, int((span.start - origin) / DAY))
        high = min(days - 1, int((span.end - origin) / DAY))
        for n in range(low, high + 1):
            begins = origin + n * DAY
            overlap = (min(span.end, begins + DAY) - max(span.start, begins)).total_seconds()
            if overlap <= 0:
                continue
            lost[n] += WEIGHT.get(span.status, 0.0) * overlap
            worst[n].append(span.status)
    whole = DAY.total_seconds()
    return [
        DayUptime(
            first + timedelta(days=n),
            worst_component(worst[n]),
            max(0.0, 1.0 - lost[n] / whole),
            len(worst[n]),
        )
        for n in range(days)
    ]


def overall(days: list[DayUptime]) -> float:
    return sum(d.uptime for d in days) / len(days) if days else 1.0
