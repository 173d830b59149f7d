"""Request bodies. Unknown fields are refused, so a typo is an error, not a silent no-op."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from warroom.services.incidents.views import EventRead, IncidentRead


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentCreate(_In):
    title: str = Field(max_length=200)
    severity: str
    service: str | None = None
    summary: str | None = None
    impact: str | None = None
    commander: str | None = None
    at: AwareDatetime | None = None


class AtIn(_In):
    at: AwareDatetime | None = None


class StatusIn(_In):
    status: str
    message: str | None = None
    at: AwareDatetime | None = None


class UpdateIn(_In):
    message: str
    public: bool = False
    at: AwareDatetime | None = None


class SeverityIn(_In):
    severity: str
    reason: str | None = None


class RoleIn(_In):
    role: str
    person: str


class ResolveIn(_In):
    message: str | None = None
    at: AwareDatetime | None = None


class ReopenIn(_In):
    message: str | None = None


class CloseIn(_In):
    override_reason: str | None = Field(default=None, max_length=2000)  # admins only


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    next_cursor: str | None


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None


class IncidentWithTimeline(IncidentRead):
    timeline: list[EventRead]


class TokenCreate(_In):
    name: str = Field(min_length=1, max_length=80)
    role: str
    expires_in: str | None = Field(default=None, description="e.g. 90d; none = no expiry")


class TokenRead(BaseModel):
    name: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(BaseModel):
    name: str
    role: str
    token: str
