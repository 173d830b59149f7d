"""On-call schedules: who is on call when, from rotating layers and overrides.

Everything is read on a local wall clock: each layer's own time zone if it has one (a
follow-the-sun schedule: an Oslo layer and a New York layer, each 09:00-17:00 locally),
else the schedule's.

* A layer hands over every `turn`, counted on the wall clock from the reading of `start`:
  the k-th handoff is `local(start) + k * turn`. A layer with a `handoff` time (`09:00`,
  or `mon 09:00` for weekly turns) counts instead from the first local reading of that
  time (and weekday) at or after `start`, and has nobody before it. A daily 09:00 handoff
  stays at 09:00 across daylight saving, a 12h turn keeps 09:00/21:00, and a turn that
  does not divide a day (7h) is 7 wall-clock hours too, so such a turn lasts 6 or 8 real
  hours when it spans a change.
  Turn k belongs to `members[k % len(members)]`; before `start` the layer has nobody.
* A wall-clock reading becomes an instant by one rule, `_instant`: the first instant at which
  the local clock reads that time or later. A repeated time (clocks set back) is its first
  occurrence (fold=0); a skipped time (clocks set forward) is the instant of the jump, so a
  02:30 handoff on Oslo's spring-forward night happens at 03:00 CEST. The rule never reorders
  handoffs; two that fall into one gap coincide and the turn between them is empty, and a
  handoff is not repeated when the clock reads its time again (the turn under way when the
  clocks went back runs on through the repeated hour).
* A restriction is a window opening on each of its `days` at `start` and closing at `end`
  the same day, or the next day when `end <= start` (17:00-09:00 runs overnight, 09:00-09:00
  lasts a day). A restricted layer has nobody outside its windows.
* Later layers win where they have someone; overrides win over every layer, and of two
  overlapping overrides the later one in the list wins.

`on_call(...).until` is the next instant the answer (person and layer) may change: a change
of the winning layer, a layer above it gaining someone, or an override edge. It can be
conservative (alice handing over to alice on a lower layer) but never late; `shifts` and
`next_handoff` step from one such instant to the next, so they are bounded by `limit`.

The turn under way is found arithmetically, never by walking turns: the wall-clock reading
of the instant bounds it from below, the same reading plus the largest set-back any zone has
made bounds it from above, and a binary search between the two settles it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from warroom.domain.rotations import (
    WEEKDAYS,
    Layer,
    Override,
    Restriction,
    Schedule,
    aware,
    parse_handoff,
)

__all__ = ["WEEKDAYS", "Handoff", "Layer", "OnCall", "Override", "Restriction", "Schedule"]
__all__ += ["Shift", "next_handoff", "on_call", "people", "shifts"]

_DAY = timedelta(days=1)
_SET_BACK = timedelta(days=2)  # more than any zone ever set its clocks back (Alaska, 1867)
_WINDOW_DAYS = 10  # days of restriction windows looked at: more than the weekly period


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who is on call, from which layer (index) or override, and until when it may change."""

    person: str | None
    layer: int | Literal["override"] | None
    until: datetime | None


@dataclass(frozen=True, slots=True)
class Shift:
    person: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Handoff:
    at: datetime
    from_person: str | None
    to_person: str | None


def people(schedule: Schedule) -> set[str]:
    """Everyone the schedule names, for the config to check against its people."""
    members = {member for layer in schedule.layers for member in layer.members}
    return members | {override.person for override in schedule.overrides}


def on_call(schedule: Schedule, at: datetime) -> OnCall:
    """Who is on call at `at`; `until` is the next instant the answer may change."""
    return _Reader(schedule).on_call(aware(at))


def shifts(
    schedule: Schedule, start: datetime, end: datetime, *, limit: int = 100_000
) -> list[Shift]:
    """The merged timeline of who is on call in [start, end); times with nobody are left out.

    At most `limit` change points are looked at; a longer range is refused.
    """
    moment, stop = aware(start), aware(end)
    if stop < moment:
        raise ValueError("the end of the range must not be before its start")
    reader = _Reader(schedule)
    timeline: list[Shift] = []
    for _ in range(limit):
        if moment >= stop:
            return timeline
        now = reader.on_call(moment)
        until = stop if now.until is None else min(now.until, stop)
        if now.person is not None:
            last = timeline[-1] if timeline else None
            if last is not None and last.person == now.person and last.end == moment:
                timeline[-1] = Shift(person=now.person, start=last.start, end=until)
            else:
                timeline.append(Shift(person=now.person, start=moment, end=until))
        moment = until
    raise ValueError(f"more than {limit} changes in the range; ask for a shorter one")


def next_handoff(schedule: Schedule, at: datetime, *, limit: int = 1000) -> Handoff | None:
    """The next instant after `at` the on-call person changes (to or from nobody included).

    None when the person never changes, or does not within the next `limit` change points.
    """
    reader = _Reader(schedule)
    now = reader.on_call(aware(at))
    person = now.person
    for _ in range(limit):
        if now.until is None:
            return None
        moment = now.until
        now = reader.on_call(moment)
        if now.person != person:
            return Handoff(at=moment, from_person=person, to_person=now.person)
    return None


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((moment for moment in moments if moment is not None), default=None)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The local wall-clock reading of an instant, as a naive datetime."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def _instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the local clock reads `wall` or later (see module rules)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    # A skipped reading: fold=1 places it before the jump and fold=0 after it.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return _jump(zone, before, first)


def _jump(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant between `before` and `after` at which the zone's offset becomes `after`'s."""
    offset = after.astimezone(zone).utcoffset()
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:  # transitions fall on whole seconds
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _anchored(layer: Layer, zone: ZoneInfo) -> Layer:
    """The layer with `start` moved to its first handoff when it names a handoff time."""
    if layer.handoff is None:
        return layer
    handoff = parse_handoff(layer.handoff)
    begins = _wall(layer.start, zone)
    wall = datetime.combine(begins.date(), handoff.at)
    if handoff.day is not None:
        wall += ((handoff.day - wall.weekday()) % 7) * _DAY
    if _instant(wall, zone) < layer.start:
        wall += 7 * _DAY if handoff.day is not None else _DAY
    return layer.model_copy(update={"start": _instant(wall, zone)})


def _handoff(layer: Layer, zone: ZoneInfo, turn: int) -> datetime | None:
    """When turn `turn` begins; None when that is beyond the calendar."""
    if turn == 0:
        return layer.start
    try:
        return _instant(_wall(layer.start, zone) + turn * layer.turn, zone)
    except OverflowError:
        return None


def _turn_index(layer: Layer, zone: ZoneInfo, moment: datetime) -> int:
    """The turn under way at `moment` (not before start): the last one begun by then."""
    origin, here = _wall(layer.start, zone), _wall(moment, zone)
    low = max(0, (here - origin) // layer.turn)  # the clock has shown its reading: it began
    high = (here - origin + _SET_BACK) // layer.turn + 1  # a reading not shown yet
    following = _handoff(layer, zone, low + 1)
    if following is None or following > moment:  # the usual case: no clocks set back lately
        return low
    while high - low > 1:
        middle = (low + high) // 2
        begins = _handoff(layer, zone, middle)
        if begins is not None and begins <= moment:
            low = middle
        else:
            high = middle
    return low


def _next_member_change(layer: Layer, zone: ZoneInfo, turn: int) -> datetime | None:
    members = layer.members
    for step in range(1, len(members)):  # the members cycle: someone else within n turns or never
        if members[(turn + step) % len(members)] != members[turn % len(members)]:
            return _handoff(layer, zone, turn + step)
    return None


class _Reader:
    """Reads one schedule; remembers the restriction windows of each day it has looked at."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.zones = [layer.zone or schedule.zone for layer in schedule.layers]
        self.layers = [
            _anchored(layer, zone) for layer, zone in zip(schedule.layers, self.zones, strict=True)
        ]
        self._restricted = [not _round_the_clock(layer.restrictions) for layer in schedule.layers]
        self._windows: dict[tuple[int, date], list[tuple[datetime, datetime]]] = {}

    def on_call(self, moment: datetime) -> OnCall:
        override, until = self._override_now(moment)
        if override is not None:
            return OnCall(person=override.person, layer="override", until=until)
        for index in reversed(range(len(self.layers))):  # lower ones matter if these lack
            person, change = self._layer_now(index, moment)
            until = _earliest(until, change)
            if person is not None:
                return OnCall(person=person, layer=index, until=until)
        return OnCall(person=None, layer=None, until=until)

    def _override_now(self, moment: datetime) -> tuple[Override | None, datetime | None]:
        active = None
        edges: list[datetime] = []
        for override in self.schedule.overrides:
            if override.start <= moment < override.end:
                active = override
            edges += [edge for edge in (override.start, override.end) if edge > moment]
        return active, min(edges, default=None)

    def _layer_now(self, index: int, moment: datetime) -> tuple[str | None, datetime | None]:
        """The layer's person at `moment` (None: nobody) and the next instant that may change it."""
        layer = self.layers[index]
        restricted = self._restricted[index]
        if moment < layer.start:
            if not restricted:
                return None, layer.start
            inside, edge = self._window_state(index, layer.start)
            return None, layer.start if inside else edge
        inside, window_edge = self._window_state(index, moment) if restricted else (True, None)
        if not inside:
            return None, window_edge
        zone = self.zones[index]
        turn = _turn_index(layer, zone, moment)
        person = layer.members[turn % len(layer.members)]
        return person, _earliest(window_edge, _next_member_change(layer, zone, turn))

    def _window_state(self, index: int, moment: datetime) -> tuple[bool, datetime]:
        """Whether `moment` is inside a restriction window, and the next instant that may change.

        Windows are merged where they touch, so an edge is a real change (unless windows
        squeezed out by a skipped hour leave the rest of the days looked at covered).
        """
        zone = self.zones[index]
        first = _wall(moment, zone).date() - _DAY  # a window opening earlier has closed
        days = (first + offset * _DAY for offset in range(_WINDOW_DAYS))
        current: tuple[datetime, datetime] | None = None
        for opens, closes in (window for day in days for window in self._openings(index, day)):
            if current is not None and opens <= current[1]:
                current = (current[0], max(current[1], closes))
            elif current is not None and moment < current[1]:
                break  # the merged window at or after `moment` is complete
            else:
                current = (opens, closes)
        if current is None or current[1] <= moment:  # no window ahead: only when none ever opens
            horizon = datetime.combine(first + _WINDOW_DAYS * _DAY, time())
            return False, _instant(horizon, zone)
        if moment < current[0]:
            return False, current[0]
        return True, current[1]

    def _openings(self, index: int, day: date) -> list[tuple[datetime, datetime]]:
        """The layer's restriction windows opening on local `day`, as instants, by opening."""
        known = self._windows.get((index, day))
        if known is not None:
            return known
        windows, zone = [], self.zones[index]
        for restriction in self.layers[index].restrictions:
            if WEEKDAYS[day.weekday()] not in restriction.days:
                continue
            closing_day = day if restriction.end > restriction.start else day + _DAY
            opens = _instant(datetime.combine(day, restriction.start), zone)
            closes = _instant(datetime.combine(closing_day, restriction.end), zone)
            if opens < closes:
                windows.append((opens, closes))
        self._windows[index, day] = sorted(windows)
        return self._windows[index, day]


def _round_the_clock(restrictions: tuple[Restriction, ...]) -> bool:
    """Whether the windows leave no instant of the week out (no restrictions: trivially so)."""
    if not restrictions:
        return True
    week, spans = 7 * _DAY, []
    for restriction in restrictions:
        opens = datetime.combine(date.min, restriction.start) - datetime.min
        length = datetime.combine(date.min, restriction.end) - datetime.min - opens
        length += _DAY if length <= timedelta(0) else timedelta(0)
        for day in restriction.days:
            start = WEEKDAYS.index(day) * _DAY + opens
            spans += [(start, start + length), (start - week, start + length - week)]
    covered = timedelta(0)
    for start, end in sorted(spans):
        if start > covered:
            return False
        covered = max(covered, end)
    return covered >= week
