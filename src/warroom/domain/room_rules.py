"""Rules the incident room applies for a responder: which severity changes need a reason,
which resolutions need a confirmation, and how the timeline is filtered."""

from __future__ import annotations

GRAVE_LEVELS = 2  # the top two levels (P0 and P1 with the default scale)

# The timeline's filters: each shows the entries of these kinds ("public": by visibility).
TIMELINE_FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "people": (
        "declared",
        "status",
        "acknowledged",
        "severity",
        "role",
        "update",
        "note",
        "reopened",
    ),
    "public": (),
    "alerts": ("alert", "alert_resolved", "alerts_clear"),
    "paging": (
        "paged",
        "notified",
        "delivery_failed",
        "contact_disabled",
        "escalated",
        "ack_overdue",
        "update_overdue",
    ),
}
FILTER_NAMES = {
    "all": "Everything",
    "people": "People's updates",
    "public": "Public",
    "alerts": "Alerts",
    "paging": "Paging",
}


def is_grave(rank: int) -> bool:
    """A level among the top two (rank 0 is the most severe)."""
    return rank < GRAVE_LEVELS


def reason_needed(new_rank: int, old_rank: int) -> bool:
    """Raising an incident to one of the top two levels needs a reason."""
    return is_grave(new_rank) and new_rank < old_rank


def confirm_needed(rank: int) -> bool:
    """Resolving an incident at one of the top two levels needs a confirmation."""
    return is_grave(rank)


def filters_of(kind: str, visibility: str) -> list[str]:
    """The timeline filters an entry of this kind and visibility shows under."""
    shown = ["all"] + [name for name, kinds in TIMELINE_FILTERS.items() if kind in kinds]
    return [*shown, "public"] if visibility == "public" else shown


def parse_filter(value: str) -> str:
    """A known filter name; anything else means everything."""
    return value if value in TIMELINE_FILTERS else "all"
