"""Post-mortem and action-item rules: states, kinds, the export path, a line diff."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from warroom.errors import Invalid, InvalidTransition


class State(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


# Which state each may move to: review goes back to draft for more work; published is
# final (a new edit of a published post-mortem takes it back to draft).
MOVES: dict[State, tuple[State, ...]] = {
    State.DRAFT: (State.IN_REVIEW, State.PUBLISHED),
    State.IN_REVIEW: (State.DRAFT, State.PUBLISHED),
    State.PUBLISHED: (State.DRAFT,),
}


class ActionKind(StrEnum):
    PREVENT = "prevent"
    DETECT = "detect"
    MITIGATE = "mitigate"
    PROCESS = "process"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


def parse_state(text: str) -> State:
    cleaned = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return State(cleaned)
    except ValueError:
        known = ", ".join(State)
        raise Invalid(f"state {text!r} is not one of {known}.", field="state") from None


def check_move(current: State, target: State) -> None:
    if target not in MOVES[current]:
        raise InvalidTransition(
            f"A post-mortem in {current} cannot move to {target}.", field="state"
        )


def parse_kind(text: str) -> ActionKind:
    try:
        return ActionKind(text.strip().lower())
    except ValueError:
        known = ", ".join(ActionKind)
        raise Invalid(f"kind {text!r} is not one of {known}.", field="kind") from None


def parse_action_status(text: str) -> ActionStatus:
    try:
        return ActionStatus(text.strip().lower())
    except ValueError:
        known = ", ".join(ActionStatus)
        raise Invalid(f"status {text!r} is not one of {known}.", field="status") from None


def reminder_period(due_at: datetime, now: datetime, every: timedelta) -> int:
    """Which reminder of an overdue item falls in the period `now` is in: 0 from its due
    time, 1 after one `every`, and so on (0 before it is due). Reminders are counted by
    period, so a late worker sends one for the period it wakes in, never a catch-up burst."""
    if now <= due_at:
        return 0
    return (now - due_at) // every


def slug(title: str, limit: int = 60) -> str:
    """`Checkout returns 500!` → `checkout-returns-500`: ASCII, lower case, hyphens."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return words[:limit].rstrip("-") or "incident"


def export_path(declared_at: datetime, title: str) -> str:
    """Where the runbooks keep a post-mortem: reports/incidents/YYYY-MM-DD-<slug>.md."""
    return f"reports/incidents/{declared_at:%Y-%m-%d}-{slug(title)}.md"


def diff(old: str, new: str, *, old_name: str, new_name: str) -> list[str]:
    """The unified diff of two texts, line by line."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_name, tofile=new_name, lineterm=""
    )
    return list(lines)


# An action item as a post-mortem lists it (and as the draft writes the ones it has):
# `- [ ] Title (kind, owner NAME, due YYYY-MM-DD)`
_ACTION_LINE = re.compile(
    r"^\s*[-*] \[[ xX]\] (?P<title>.+?) \((?P<kind>\w+), owner (?P<owner>[^,()]+), "
    r"due (?P<due>\d{4}-\d{2}-\d{2})\)\s*$"
)
_SECTION = re.compile(r"^##\s+Action items\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ListedAction:
    line: int  # 1-based, in the whole text
    title: str
    kind: str
    owner: str
    due: date


def listed_actions(markdown: str) -> list[ListedAction]:
    """The action items written in the post-mortem's "Action items" section."""
    found: list[ListedAction] = []
    inside = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("#"):
            inside = bool(_SECTION.match(line))
            continue
        match = _ACTION_LINE.match(line) if inside else None
        if match is None:
            continue
        try:
            due = date.fromisoformat(match["due"])
        except ValueError:
            raise Invalid(f"line {number}: {match['due']} is not a date.", field="due_at") from None
        found.append(
            ListedAction(number, match["title"].strip(), match["kind"], match["owner"].strip(), due)
        )
    return found
