"""What every use case needs besides its session: the rules and the time."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.clock import Clock
from warroom.config import DEFAULT_PUBLIC_URL, WarroomConfig


@dataclass(frozen=True)
class Context:
    config: WarroomConfig
    clock: Clock
    public_url: str = DEFAULT_PUBLIC_URL  # where links in notifications point
