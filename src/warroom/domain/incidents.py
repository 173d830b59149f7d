"""Incident statuses, the transition table, roles, references and channel names."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from warroom.errors import Invalid, InvalidTransition


class Status(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATING = "mitigating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"


ORDER = list(Status)
OPEN_STATUSES = tuple(s for s in ORDER if s not in (Status.RESOLVED, Status.CLOSED))
REOPENABLE = (Status.MONITORING, Status.RESOLVED)

# What the public status page says for each internal status.
PUBLIC_STATUS = {
    Status.TRIGGERED: "investigating",
    Status.ACKNOWLEDGED: "investigating",
    Status.INVESTIGATING: "investigating",
    Status.IDENTIFIED: "identified",
    Status.MITIGATING: "identified",
    Status.MONITORING: "monitoring",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "resolved",
}


class Role(StrEnum):
    COMMANDER = "commander"
    COMMS = "comms"
    RESPONDER = "responder"
    SCRIBE = "scribe"


class Source(StrEnum):
    MANUAL = "manual"
    ALERT = "alert"
    CHECK = "check"
    REPORT = "report"
    DRILL = "drill"


def parse_status(text: str) -> Status:
    try:
        return Status(text.strip().lower())
    except ValueError:
        known = ", ".join(ORDER)
        raise Invalid(f"status {text!r} is not one of {known}.", field="status") from None


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        known = ", ".join(Role)
        raise Invalid(f"role {text!r} is not one of {known}.", field="role") from None


def check_transition(ref: str, current: Status, target: Status) -> None:
    """Forward moves (jumps included) are allowed; anything else is refused."""
    if ORDER.index(target) <= ORDER.index(current):
        hint = " (use reopen to return it to investigating)" if current in REOPENABLE else ""
        raise InvalidTransition(
            f"{ref} cannot move from {current} to {target}{hint}.", field="status"
        )


def check_reopen(ref: str, current: Status) -> None:
    if current not in REOPENABLE:
        raise InvalidTransition(
            f"{ref} is {current}; only a monitoring or resolved incident can be reopened.",
            field="status",
        )


def is_open(status: Status) -> bool:
    return status in OPEN_STATUSES


_REF = re.compile(r"(?:inc-)?([0-9]{1,18})", re.IGNORECASE)


def parse_ref(text: str) -> int:
    """`42` or `INC-42` → 42."""
    match = _REF.fullmatch(str(text).strip())
    if not match:
        raise Invalid(f"{text!r} is not an incident reference (write 42 or INC-42).", field="ref")
    return int(match.group(1))


def ref_of(incident_id: int) -> str:
    return f"INC-{incident_id}"


def slugify(title: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:limit].rstrip("-") or "incident"


def channel_name(declared_at: datetime, title: str) -> str:
    return f"incident-{declared_at:%Y-%m-%d}-{slugify(title)}"
