"""Recurring duties (`[[duties]]`): the preventive checks done every day, week or month,
each assigned to whoever is on call on a schedule, with a record of who did it.

Periods are read in the duty's time zone (`timezone`, else its schedule's, else UTC): a
day, an ISO week (Monday to Sunday), a calendar month. A duty is due once per period; it
is reminded at `remind_at` (wall time in that zone) on the period's first day, and again
each later day of the period, until someone marks it done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from warroom.domain.rotations import known_zone

UTC_ZONE = ZoneInfo("UTC")


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Duty(BaseModel):
    """One `[[duties]]` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1, max_length=200)
    every: Cadence
    schedule: str | None = None  # its on-call does it; default: the first schedule
    items: tuple[str, ...] = ()  # what doing it means, shown with it
    remind_at: time = time(10, 0)  # wall time in the duty's zone
    remind: bool = True  # the built-in defaults do not: they are listed until configured
    timezone: str | None = None  # default: its schedule's zone, else UTC

    @field_validator("timezone")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # 2026-11-02, 2026-W45, 2026-11
    start: datetime
    end: datetime  # exclusive: the next period's start


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period(cadence: Cadence, at: datetime, zone: ZoneInfo = UTC_ZONE) -> Period:
    """The period of this cadence that `at` falls in, its days read in `zone`."""
    day = at.astimezone(zone).date()
    if cadence is Cadence.DAILY:
        start, end = day, day + timedelta(days=1)
        key = day.isoformat()
    elif cadence is Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
        year, week, _ = start.isocalendar()
        key = f"{year}-W{week:02d}"
    else:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        key = f"{start.year}-{start.month:02d}"
    return Period(key, _midnight(start, zone), _midnight(end, zone))


def next_reminder(duty: Duty, after: datetime, zone: ZoneInfo = UTC_ZONE) -> datetime:
    """The first reminder moment after `after`: `remind_at` on some day in `zone` (every
    day of a period may remind; whether it does depends on the duty being done)."""
    day = after.astimezone(zone).date()
    for offset in range(3):  # today's, else tomorrow's (a day a clock change skips: the next)
        moment = datetime.combine(day + timedelta(days=offset), duty.remind_at, tzinfo=zone)
        if moment.astimezone(UTC) > after:
            return moment.astimezone(UTC)
    raise AssertionError("a reminder time comes within three days")


def _unique(duties: tuple[Duty, ...]) -> tuple[Duty, ...]:
    seen: set[str] = set()
    for duty in duties:
        if duty.name in seen:
            raise ValueError(f"{duty.name!r} is defined twice")
        seen.add(duty.name)
    return duties


def _duty(name: str, title: str, every: Cadence, *items: str) -> Duty:
    return Duty(name=name, title=title, every=every, items=items, remind=False)


DEFAULTS = (
    _duty("error-rates", "Review error rates", Cadence.DAILY,
          "Compare yesterday's error rate with the week before",
          "Open an issue for any new error group"),
    _duty("backups", "Verify backups", Cadence.DAILY,
          "Check that last night's backup finished", "Check its size against the usual"),
    _duty("performance", "Review performance trends", Cadence.WEEKLY,
          "Look at p95 latency per endpoint over the week", "Note the slowest queries"),
    _duty("dependencies", "Update dependencies", Cadence.WEEKLY,
          "Apply security and patch updates", "Read the changelogs of major updates"),
    _duty("security-alerts", "Audit security alerts", Cadence.WEEKLY,
          "Go through dependency and scanner alerts", "Rotate any secret that leaked"),
    _duty("dr-drill", "Disaster-recovery drill", Cadence.MONTHLY,
          "Restore a backup into a scratch environment",
          "Run a warroom drill and time the response"),
    _duty("runbooks", "Review runbooks", Cadence.MONTHLY,
          "Update the runbooks used in this month's incidents",
          "Remove steps that no longer apply"),
    _duty("capacity", "Capacity review", Cadence.MONTHLY,
          "Compare growth with headroom: CPU, memory, disk, connections",
          "Plan what to scale"),
)  # fmt: skip

Duties = Annotated[tuple[Duty, ...], AfterValidator(_unique)]
