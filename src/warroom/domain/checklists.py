"""Checklists (`[[checklists]]`): per phase and severity, with defaults from the source
runbooks. Items the system can see done tick themselves from the timeline event that did
it (`auto`); the others are ticked by a person, and that tick is recorded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warroom.domain.incidents import ORDER, Status


class Phase(StrEnum):
    DURING = "during"  # while the incident is open
    POST = "post"  # after it is resolved
    HANDOFF = "handoff"  # not an incident's: what the handoff notice asks the incoming to do


INCIDENT_PHASES = (Phase.DURING, Phase.POST)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=200)
    auto: str | None = None  # one of AUTO_RULES: ticks itself from the timeline


class Checklist(BaseModel):
    """One `[[checklists]]` entry: its items apply to incidents of these levels (all when
    `severities` is empty) in this phase."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phase: Phase
    severities: tuple[str, ...] = ()
    items: tuple[Item, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_rules(self) -> Checklist:
        keys: set[str] = set()
        for item in self.items:
            if item.auto is not None and item.auto not in AUTO_RULES:
                known = ", ".join(AUTO_RULES)
                raise ValueError(f"item {item.key}: auto {item.auto!r} is not one of {known}")
            if item.key in keys:
                raise ValueError(f"item {item.key} is listed twice")
            keys.add(item.key)
        return self


class EventLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def visibility(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


def _reached(status: Status) -> Callable[[EventLike], bool]:
    rank = ORDER.index(status)

    def rule(event: EventLike) -> bool:
        target = event.data.get("to") if event.kind in ("status", "acknowledged") else None
        return target in {s.value for s in ORDER[rank:]}

    return rule


def _resolved_publicly(event: EventLike) -> bool:
    return _reached(Status.RESOLVED)(event) and event.visibility == "public"


AUTO_RULES: dict[str, Callable[[EventLike], bool]] = {
    "declared": lambda e: e.kind == "declared",
    "commander": lambda e: e.kind == "role" and e.data.get("role") == "commander",
    "paged": lambda e: e.kind in ("paged", "notified"),
    "public_update": lambda e: e.visibility == "public",
    "investigating": _reached(Status.INVESTIGATING),
    "identified": _reached(Status.IDENTIFIED),
    "mitigating": _reached(Status.MITIGATING),
    "resolved": _reached(Status.RESOLVED),
    "all_clear": _resolved_publicly,
}


def _items(pairs: Iterable[tuple[str, str, str | None]]) -> tuple[Item, ...]:
    return tuple(Item(key=key, label=label, auto=auto) for key, label, auto in pairs)


DEFAULTS = (
    Checklist(
        phase=Phase.DURING,
        items=_items(
            [
                ("severity", "Severity assigned", "declared"),
                ("commander", "Incident commander assigned", "commander"),
                ("ticket", "Incident ticket created", "declared"),
                ("team_notified", "Team notified", "paged"),
                ("status_page", "Status page updated", "public_update"),
                ("investigation", "Investigation started", "investigating"),
                ("root_cause", "Root cause identified", "identified"),
                ("fix_applied", "Fix applied", "mitigating"),
                ("verified", "Verification completed", "resolved"),
                ("all_clear", "All-clear communicated", "all_clear"),
            ]
        ),
    ),
    Checklist(
        phase=Phase.POST,
        items=_items(
            [
                ("postmortem", "Post-mortem created", None),
                ("action_items", "Action items assigned", None),
                ("runbooks", "Runbooks updated", None),
                ("prevention", "Prevention implemented", None),
                ("debrief", "Team debriefed", None),
            ]
        ),
    ),
    Checklist(
        phase=Phase.HANDOFF,
        items=_items(
            [
                ("open_incidents", "Read the open incidents and know who leads each one", None),
                ("dashboards", "Look at the dashboards for anything heading the wrong way", None),
                ("deploys", "Find out what was deployed during the last shift", None),
                ("contacts", "Make sure your contact details in warroom are up to date", None),
                ("test_page", "Send yourself a test page", None),
            ]
        ),
    ),
)


def handoff_items(checklists: tuple[Checklist, ...]) -> list[str]:
    """What the handoff notice asks of the incoming on-call person: the configured
    `handoff` checklist, else the default one."""
    configured = [c for c in checklists if c.phase is Phase.HANDOFF]
    chosen = configured or [c for c in DEFAULTS if c.phase is Phase.HANDOFF]
    return [item.label for c in chosen for item in c.items]


@dataclass(frozen=True, slots=True)
class Tick:
    """An item done: by whom, when, and (for an automatic tick) the event that did it."""

    at: datetime
    by: str
    event_id: int | None = None
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    phase: Phase
    item: Item
    tick: Tick | None


def for_level(checklists: tuple[Checklist, ...], level: str) -> list[tuple[Phase, Item]]:
    """The items an incident of this level has, in phase order (the defaults when none
    are configured)."""
    chosen = [c for c in checklists if c.phase in INCIDENT_PHASES] or DEFAULTS
    items: list[tuple[Phase, Item]] = []
    seen: set[tuple[Phase, str]] = set()
    for phase in INCIDENT_PHASES:
        for checklist in chosen:
            if checklist.phase is not phase:
                continue
            if checklist.severities and level not in checklist.severities:
                continue
            for item in checklist.items:
                if (phase, item.key) not in seen:
                    seen.add((phase, item.key))
                    items.append((phase, item))
    return items


def freeze(items: list[tuple[Phase, Item]]) -> list[dict[str, Any]]:
    """An incident's own copy of its items (stored by `digest`, named by the incident's
    `checklist_set`), so a later edit of the config leaves the incidents already open as
    they were."""
    return [
        {"phase": phase.value, "key": i.key, "label": i.label, "auto": i.auto} for phase, i in items
    ]


def digest(frozen: list[dict[str, Any]]) -> str:
    """A frozen list's name: the same items give the same name, so each distinct list is
    stored once however many incidents have it."""
    text = json.dumps(frozen, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def thaw(frozen: list[dict[str, Any]]) -> list[tuple[Phase, Item]]:
    """The items an incident was given (see `freeze`)."""
    return [
        (
            Phase(entry["phase"]),
            Item.model_construct(key=entry["key"], label=entry["label"], auto=entry.get("auto")),
        )
        for entry in frozen
    ]


def widen(
    current: list[tuple[Phase, Item]], added: list[tuple[Phase, Item]]
) -> list[tuple[Phase, Item]]:
    """An incident's items after a change of level: the ones it has, then the new level's
    that it lacks, in phase order (nothing it has, or has ticked, goes away)."""
    seen = {(phase, item.key) for phase, item in current}
    merged = current + [(p, i) for p, i in added if (p, i.key) not in seen]
    return sorted(merged, key=lambda pair: INCIDENT_PHASES.index(pair[0]))


def lines(
    items: list[tuple[Phase, Item]],
    events: Iterable[EventLike],
    manual: Mapping[tuple[str, str], Tick],
) -> list[Line]:
    """Each item with its tick: a person's, else the first event its rule sees."""
    ordered = sorted(events, key=lambda e: (e.at, e.id))
    result = []
    for phase, item in items:
        tick = manual.get((phase.value, item.key))
        if tick is None and item.auto is not None:
            rule = AUTO_RULES[item.auto]
            event = next((e for e in ordered if rule(e)), None)
            if event is not None:
                tick = Tick(at=event.at, by=event.actor, event_id=event.id, automatic=True)
        result.append(Line(phase, item, tick))
    return result
