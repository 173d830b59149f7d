"""Times as a person reads them: in their own zone, with UTC on hover, and countdowns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup


def span(delta: timedelta) -> str:
    """A short human duration: 45s, 12m, 3h 05m, 2d 4h."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s" if minutes < 10 else f"{minutes}m"
    return f"{secs}s"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Times:
    """Formats moments for one viewer: `zone` is theirs, `now` the server's clock."""

    def __init__(self, zone: str, now: datetime) -> None:
        try:
            self.zone = ZoneInfo(zone)
        except (KeyError, ValueError):
            self.zone = ZoneInfo("UTC")
        self.now = now

    def local(self, moment: datetime) -> str:
        here = moment.astimezone(self.zone)
        today = self.now.astimezone(self.zone).date()
        day = "" if here.date() == today else here.strftime("%a %d %b ").lstrip("0")
        if here.year != today.year:
            day = here.strftime("%d %b %Y ")
        return f"{day}{here:%H:%M} {here.tzname()}"

    def at(self, moment: datetime | None) -> Markup:
        if moment is None:
            return Markup("—")
        iso = moment.astimezone(UTC).isoformat()
        return Markup('<time datetime="{}" title="{}">{}</time>').format(
            iso, utc_text(moment), self.local(moment)
        )

    def countdown(self, due: datetime | None) -> Markup:
        """Time left until `due` (ticking in the browser); overdue ones are marked."""
        if due is None:
            return Markup('<span class="muted">—</span>')
        left = due - self.now
        overdue = left.total_seconds() < 0
        text = f"overdue {span(left)}" if overdue else f"in {span(left)}"
        return Markup('<span class="countdown{}" data-due="{}" title="due {}">{}</span>').format(
            " overdue" if overdue else "", due.astimezone(UTC).isoformat(), utc_text(due), text
        )

    def age(self, since: datetime) -> Markup:
        return Markup('<span class="age" data-since="{}" title="since {}">{}</span>').format(
            since.astimezone(UTC).isoformat(), utc_text(since), span(self.now - since)
        )
