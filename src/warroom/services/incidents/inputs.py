"""Checks of what callers hand to the use cases: text fields, and the moment something
happened (`at`, for writing an incident up after the fact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from warroom.db.models import Incident
from warroom.domain import incidents as rules
from warroom.errors import Invalid

SKEW = timedelta(seconds=5)  # a client clock this far ahead still counts as "now"
OLDEST = timedelta(days=366)  # how far back `at` may reach, so a typo cannot land in year 1


def clean(text: str | None, field: str, limit: int) -> str:
    value = (text or "").strip()
    if "\x00" in value:
        raise Invalid(f"{field} must not contain NUL characters.", field=field)
    if len(value) > limit:
        raise Invalid(f"{field} is longer than {limit} characters.", field=field)
    return value


def happened_at(now: datetime, at: datetime | None, incident: Incident | None = None) -> datetime:
    """When the thing happened: now, or an earlier moment that is not in the future."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise Invalid("at must include a time zone, e.g. 2026-11-23T09:00:00Z.", field="at")
    try:
        at = at.astimezone(UTC)
    except OverflowError:
        raise Invalid(f"at {at.isoformat()} is out of range.", field="at") from None
    if at > now + SKEW:
        raise Invalid(f"at {at.isoformat()} is in the future.", field="at")
    if at < now - OLDEST:
        raise Invalid(
            f"at {at.isoformat()} is more than {OLDEST.days} days ago; "
            "write older incidents up as notes.",
            field="at",
        )
    if incident is not None and at < incident.declared_at:
        raise Invalid(
            f"at {at.isoformat()} is before {rules.ref_of(incident.id)} was declared "
            f"({incident.declared_at.isoformat()}).",
            field="at",
        )
    return min(at, now)
