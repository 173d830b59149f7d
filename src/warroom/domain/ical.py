"""On-call shifts as an iCalendar (RFC 5545) feed people can subscribe to."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from warroom.domain.schedules import Shift

PRODID = "-//warroom//on-call schedules//EN"
_LINE_OCTETS = 75  # RFC 5545 3.1: longer lines are folded; CRLF does not count


def calendar(name: str, shifts: list[Shift], *, now: datetime) -> str:
    """A VCALENDAR with one event per shift; `now` is the DTSTAMP of every event."""
    return calendar_of(name, [(name, shift) for shift in shifts], now=now)


def calendar_of(name: str, entries: list[tuple[str, Shift]], *, now: datetime) -> str:
    """A VCALENDAR named `name` of (schedule, shift) events, e.g. one person's shifts in
    every schedule; an event's UID is the same as in its schedule's own feed."""
    stamp = _utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for schedule, shift in entries:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid(schedule, shift)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(shift.start)}",
            f"DTEND:{_utc(shift.end)}",
            f"SUMMARY:{escape(f'On call: {shift.person} ({schedule})')}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def uid(name: str, shift: Shift) -> str:
    """The same for the same shift of the same calendar, so a re-export updates, not adds."""
    key = "\x1f".join((name, shift.person, _utc(shift.start), _utc(shift.end)))
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@warroom"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(char for char in text if char == "\t" or (ord(char) >= 0x20 and char != "\x7f"))


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a UTF-8 character."""
    parts: list[str] = []
    current: list[str] = []
    size, room = 0, _LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > room:
            parts.append("".join(current))
            current, size, room = [], 0, _LINE_OCTETS - 1  # a continuation starts with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
