"""Charts as SVG drawn on the server (templates/_charts.html.j2 draws these shapes): bars
for counts, lines for trends. Readable without JavaScript; each chart's numbers are
also a table beside it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 40  # room for the axis labels
TICKS = 4


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as people read it
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # the class that colours it (series-1, series-2)
    runs: tuple[str, ...]  # "x,y x,y" for each <polyline>: a missing value breaks the line
    dots: tuple[Dot, ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    ticks: tuple[Tick, ...]
    labels: tuple[tuple[float, str], ...]  # x and text under the axis
    bars: tuple[Bar, ...] = ()
    series: tuple[Series, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.bars and not any(s.dots for s in self.series)

    @property
    def plot_bottom(self) -> float:
        return self.height - BOTTOM

    @property
    def plot_left(self) -> float:
        return LEFT

    @property
    def plot_right(self) -> float:
        return self.width - RIGHT


Format = Callable[[float], str]


def _scale_top(largest: float, *, whole: bool = False) -> float:
    """The top of the axis: TICKS equal steps of 1, 2, 2.5 or 5 times a power of ten, at or
    above `largest` (steps of at least 1 for `whole` numbers, such as counts)."""
    raw = max(largest, 0.0) / TICKS
    if raw <= 0:
        return float(TICKS) if whole else 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    factors = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)  # whole: no step of 2.5
    step = next(f * power for f in factors if f * power >= raw)
    return max(step, 1.0) * TICKS if whole else step * TICKS


def _ticks(top: float, fmt: Format) -> tuple[Tick, ...]:
    plot = HEIGHT - TOP - BOTTOM
    return tuple(
        Tick(y=HEIGHT - BOTTOM - plot * i / TICKS, label=fmt(top * i / TICKS))
        for i in range(TICKS + 1)
    )


def _y(value: float, top: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(HEIGHT - BOTTOM - plot * value / top, 1)


def bars(chart_id: str, title: str, items: Sequence[tuple[str, float]], fmt: Format) -> Chart:
    top = _scale_top(max((value for _, value in items), default=0), whole=True)
    slot = (WIDTH - LEFT - RIGHT) / max(len(items), 1)
    width = min(slot * 0.7, 60)
    drawn = []
    for i, (label, value) in enumerate(items):
        x = LEFT + slot * i + (slot - width) / 2
        y = _y(value, top)
        drawn.append(
            Bar(label, fmt(value), round(x, 1), y, round(width, 1), round(HEIGHT - BOTTOM - y, 1))
        )
    labels = tuple((round(LEFT + slot * (i + 0.5), 1), label) for i, (label, _) in enumerate(items))
    return Chart(chart_id, title, WIDTH, HEIGHT, _ticks(top, fmt), labels, bars=tuple(drawn))


def lines(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    named: Sequence[tuple[str, Sequence[float | None]]],
    fmt: Format,
    top: float | None = None,
) -> Chart:
    """One line per series over the same labels (months); a missing value breaks it."""
    values = [v for _, series in named for v in series if v is not None]
    top = top or _scale_top(max(values, default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    xs = [round(LEFT + slot * (i + 0.5), 1) for i in range(len(labels))]
    drawn = []
    for n, (name, series) in enumerate(named, start=1):
        pairs = list(zip(xs, series, strict=True))
        dots = tuple(Dot(x, _y(v, top), fmt(v)) for x, v in pairs if v is not None)
        runs: list[list[str]] = [[]]
        for x, v in pairs:
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x},{_y(v, top)}")
        kept = tuple(" ".join(run) for run in runs if len(run) > 1)
        drawn.append(Series(name, f"series-{n}", kept, dots))
    return Chart(
        chart_id,
        title,
        WIDTH,
        HEIGHT,
        _ticks(top, fmt),
        tuple(zip(xs, labels, strict=True)),
        series=tuple(drawn),
    )


def minutes(value: float) -> str:
    """Minutes as people read them: 7 min, 2.5 min, 90 min."""
    return f"{value:.0f} min" if value >= 10 or value == int(value) else f"{value:.1f} min"


def in_minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def count(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"
