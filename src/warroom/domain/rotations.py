"""The shape of an on-call schedule, as the config file writes it: rotation layers (members,
start, turn, time zone), weekly restrictions and overrides, validated. How they combine into
who is on call is in `schedules`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from warroom.domain.durations import Duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def aware(value: datetime) -> datetime:
    """The instant in UTC; a reading without a time zone is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{value.isoformat()} has no time zone; add Z or an offset (e.g. 2026-11-02T09:00:00Z)"
        )
    return value.astimezone(UTC)


class Restriction(BaseModel):
    """A weekly window in local time, opening on each of `days` at `start`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: tuple[str, ...] = WEEKDAYS
    start: time
    end: time

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(day.lower() for day in value)
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r} (use {', '.join(WEEKDAYS)})")
        if not days:
            raise ValueError("a restriction needs at least one day")
        return days

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError(f"{value} has an offset; restriction times are local wall-clock times")
        return value


def known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, OSError) as exc:
        raise ValueError(f"{value!r} is not a known time zone (e.g. Europe/Oslo)") from exc
    return value


def _known_zone_or_none(value: str | None) -> str | None:
    return None if value is None else known_zone(value)


class HandoffTime(NamedTuple):
    """A layer's handoff time: a local time of day, and a weekday for weekly turns."""

    day: int | None  # WEEKDAYS index; None: any day
    at: time


def parse_handoff(text: str) -> HandoffTime:
    """`09:00` or `mon 09:00` (a weekday name from WEEKDAYS, then a 24-hour local time)."""
    words = text.strip().lower().split()
    day = None
    if len(words) == 2 and words[0][:3] in WEEKDAYS:
        day = WEEKDAYS.index(words[0][:3])
        words = words[1:]
    try:
        if len(words) != 1:
            raise ValueError
        at = time.fromisoformat(words[0])
    except ValueError:
        raise ValueError(
            f"{text!r} is not a handoff time; write a local time like 09:00, or a weekday"
            " and a time like mon 09:00"
        ) from None
    if at.tzinfo is not None:
        raise ValueError(f"{text!r} has an offset; the handoff is read in the layer's time zone")
    return HandoffTime(day, at)


class Layer(BaseModel):
    """Members taking turns of `turn`, read in `timezone` or else the schedule's. The first
    turn begins at `start`, so handoffs come at its local time of day; with `handoff` it
    begins at the first reading of that time (and weekday) at or after `start`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    members: tuple[str, ...]
    start: datetime
    turn: Duration
    handoff: str | None = None
    restrictions: tuple[Restriction, ...] = ()
    timezone: str | None = None

    _check_zone = field_validator("timezone")(_known_zone_or_none)

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None

    @field_validator("members")
    @classmethod
    def _someone(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a layer needs at least one member")
        return value

    @field_validator("start")
    @classmethod
    def _aware_start(cls, value: datetime) -> datetime:
        return aware(value)

    @field_validator("turn")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("turn must be longer than zero (write it like 12h, 1d or 1w)")
        return value

    @field_validator("handoff")
    @classmethod
    def _handoff_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_handoff(value)
        return value

    @model_validator(mode="after")
    def _weekday_needs_whole_weeks(self) -> Layer:
        weekday = self.handoff is not None and parse_handoff(self.handoff).day is not None
        if weekday and self.turn % timedelta(weeks=1):
            raise ValueError(
                f"handoff {self.handoff!r} names a weekday, so turn must be whole weeks"
                " (1w, 2w …); for other turns give only the time"
            )
        return self


class Override(BaseModel):
    """`person` is on call from `start` until `end`, whatever the layers say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person: str
    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _aware_edges(cls, value: datetime) -> datetime:
        return aware(value)

    @model_validator(mode="after")
    def _ends_after_start(self) -> Override:
        if self.end <= self.start:
            raise ValueError(
                f"the override for {self.person} must end after it starts "
                f"({self.end.isoformat()} is not after {self.start.isoformat()})"
            )
        return self


class Schedule(BaseModel):
    """A named rotation: layers (later ones win) and overrides (win over all layers)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    timezone: str = "UTC"
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()

    _check_zone = field_validator("timezone")(known_zone)

    @field_validator("layers")
    @classmethod
    def _some_layer(cls, value: tuple[Layer, ...]) -> tuple[Layer, ...]:
        if not value:
            raise ValueError("a schedule needs at least one layer")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
