"""Working time: deadlines such as "next business day" that skip nights and weekends."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(BaseModel):
    """When the team works, in one time zone; holidays are skipped whole."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: tuple[date, ...] = Field(default=())

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known time zone (e.g. Europe/Oslo)") from exc
        return value

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in value if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r} (use {', '.join(WEEKDAYS)})")
        if not value:
            raise ValueError("at least one working day is needed")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if WEEKDAYS[day.weekday()] not in self.days or day in self.holidays:
            return None
        zone = ZoneInfo(self.timezone)
        return datetime.combine(day, self.start, zone), datetime.combine(day, self.end, zone)

    @property
    def day_length(self) -> timedelta:
        today = date(2026, 1, 5)
        return datetime.combine(today, self.end) - datetime.combine(today, self.start)

    def working(self, duration: timedelta) -> timedelta:
        """Read whole days as working days: `1d` is one working day, not 24 working hours."""
        return duration.days * self.day_length + timedelta(seconds=duration.seconds)

    def add(self, moment: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of working time has passed after `moment`."""
        remaining = duration
        zone = ZoneInfo(self.timezone)
        day = moment.astimezone(zone).date()
        for _ in range(3660):  # ten years of days: a bound, never reached by sane settings
            window = self._window(day)
            if window is not None:
                opens, closes = window
                begin = max(opens, moment)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(moment.tzinfo)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("business hours leave no working time within ten years")
