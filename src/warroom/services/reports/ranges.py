"""A report's range as people write it: `--since 90d` (back from now) or a date or time
(`2026-10-01`, `2026-10-01T00:00:00Z`), and `--until` likewise (default: now)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from warroom.domain.durations import parse_duration
from warroom.errors import Invalid

DEFAULT_SINCE = timedelta(days=90)


def moment(text: str, field: str, now: datetime) -> datetime:
    """A duration back from `now`, a date (its midnight, UTC) or an ISO time with a zone."""
    value = text.strip()
    try:
        return now - parse_duration(value)
    except ValueError:
        pass
    except OverflowError:
        raise Invalid(f"{field} {text!r} reaches too far back.", field=field) from None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            f"{field} {text!r} is neither a duration (90d) nor a date (2026-10-01) "
            "nor a time (2026-10-01T00:00:00Z).",
            field=field,
        ) from None
    if parsed.tzinfo is None:
        raise Invalid(f"{field} {text!r} has no time zone (add Z).", field=field)
    return parsed.astimezone(UTC)


def span(now: datetime, since: str | None, until: str | None) -> tuple[datetime, datetime]:
    end = moment(until, "until", now) if until else now
    start = moment(since, "since", now) if since else end - DEFAULT_SINCE
    return start, end
