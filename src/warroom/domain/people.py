"""People, teams and escalation policies, as the config file (or the API) writes them."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.domain.durations import Duration

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
TARGET_KINDS = ("person", "team", "schedule")


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError(f"{value!r} must be 1-80 letters, digits, '.', '_' or '-'")
    return value


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    email: str | None = None
    timezone: str = "UTC"
    contacts: tuple[str, ...] = ()  # Apprise URLs, or webhook+https://… for the signed webhook

    _check_name = field_validator("name")(_name)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (e.g. Europe/Oslo)") from None
        return value


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    members: tuple[str, ...] = Field(min_length=1)

    _check_name = field_validator("name")(_name)


def parse_target(text: str) -> tuple[str, str]:
    """`person:alice`, `team:payments`, `schedule:primary` → (kind, name)."""
    kind, sep, name = text.partition(":")
    if not sep or kind not in TARGET_KINDS or not name:
        raise ValueError(f"{text!r} must be person:NAME, team:NAME or schedule:NAME")
    return kind, name


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    notify: tuple[str, ...] = Field(min_length=1)
    wait: Duration

    @field_validator("notify")
    @classmethod
    def _targets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for target in value:
            parse_target(target)
        return value

    @field_validator("wait")
    @classmethod
    def _positive(cls, value: object) -> object:
        from datetime import timedelta

        if isinstance(value, timedelta) and value <= timedelta(0):
            raise ValueError("wait must be longer than 0s")
        return value


class Policy(BaseModel):
    """Steps run in order, each waiting before the next; the whole list runs `repeat`
    more times; an acknowledgement or a resolve stops it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    repeat: int = Field(default=0, ge=0, le=10)
    steps: tuple[Step, ...] = Field(min_length=1)

    _check_name = field_validator("name")(_name)
