"""Severity levels: what each means and the clocks it starts."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.domain.business_hours import BusinessHours
from warroom.domain.durations import Duration


class Severity(BaseModel):
    """One level; the order of levels in the config is their rank (first is worst)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1)
    definition: str = ""
    examples: tuple[str, ...] = ()
    ack_within: Duration
    update_every: Duration | None = None
    public_update_every: Duration | None = None
    escalate_after: Duration | None = None
    escalate_to: str | None = None
    pages: bool = True
    postmortem_required: bool = False
    postmortem_within: Duration | None = None
    monitor_for: Duration | None = None
    business_hours: bool = False

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str) -> str:
        if not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"{value!r} may hold only letters, digits, '-' and '_'")
        return value


def deadline(
    severity: Severity, start: datetime, delta: timedelta, hours: BusinessHours
) -> datetime:
    """`start + delta`, counted in working time when the severity says so (then a `d` in
    the duration is a working day)."""
    return hours.add(start, hours.working(delta)) if severity.business_hours else start + delta
