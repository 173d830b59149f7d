"""Health checks: their config (`[[checks]]`) and the threshold rule that turns a run of
results into an alert that fires or resolves.

A check fails `failure_threshold` times in a row before it fires (opens an incident
through the same path as alerts) and passes `success_threshold` times in a row before
it resolves."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from warroom.domain.durations import format_duration, parse_duration

_MILLIS = re.compile(r"^\s*(\d+)\s*ms\s*$")


def _fine(value: object) -> object:
    """Durations as `Duration` reads them, and also in milliseconds (`500ms`)."""
    if isinstance(value, str):
        millis = _MILLIS.match(value)
        if millis:
            return timedelta(milliseconds=int(millis.group(1)))
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} needs a unit (write it like 500ms, 5s or 1m)")
    return value


def show_duration(delta: timedelta) -> str:
    millis = round(delta.total_seconds() * 1000)
    return f"{millis}ms" if millis % 1000 else format_duration(delta)


FineDuration = Annotated[
    timedelta,
    BeforeValidator(_fine),
    PlainSerializer(show_duration, return_type=str, when_used="json"),
]


class CheckKind(StrEnum):
    HTTP = "http"
    TCP = "tcp"
    POSTGRES = "postgres"
    REDIS = "redis"
    COMMAND = "command"


MIN_INTERVAL = timedelta(seconds=1)


class Check(BaseModel):
    """One `[[checks]]` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: CheckKind
    interval: FineDuration = timedelta(seconds=30)
    timeout: FineDuration = timedelta(seconds=5)
    failure_threshold: int = Field(default=3, ge=1, le=100)
    success_threshold: int = Field(default=2, ge=1, le=100)
    service: str | None = None
    severity: str | None = None  # a level id; default: routing decides (critical → P1)
    # http
    url: str | None = None
    method: str = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    expect_status: int = Field(default=200, ge=100, le=599)
    body_contains: str | None = None
    body_regex: str | None = None
    max_response_time: FineDuration | None = None
    tls_expiry_days: int | None = Field(default=None, ge=1)
    ca_file: Path | None = None  # trust this CA (PEM) as well, e.g. a private one
    # tcp, redis
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    # postgres, redis
    dsn: str | None = None
    # command
    argv: tuple[str, ...] = ()
    env: dict[str, str] = Field(default_factory=dict)  # variables the program gets

    @model_validator(mode="after")
    def _needs(self) -> Check:
        if self.interval < MIN_INTERVAL:
            raise ValueError(f"check {self.name}: interval must be at least 1s")
        if self.timeout > self.interval:
            raise ValueError(f"check {self.name}: timeout must not be longer than interval")
        needed = {
            CheckKind.HTTP: ("url",),
            CheckKind.TCP: ("host", "port"),
            CheckKind.POSTGRES: ("dsn",),
            CheckKind.REDIS: (),
            CheckKind.COMMAND: ("argv",),
        }[self.kind]
        for key in needed:
            if not getattr(self, key):
                raise ValueError(f"check {self.name}: a {self.kind} check needs {key}")
        if self.kind is CheckKind.REDIS and not (self.dsn or (self.host and self.port)):
            raise ValueError(f"check {self.name}: a redis check needs dsn, or host and port")
        if self.kind is CheckKind.HTTP and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError(f"check {self.name}: url must start with http:// or https://")
        if self.body_regex is not None:
            try:
                re.compile(self.body_regex)
            except re.error as exc:
                raise ValueError(f"check {self.name}: body_regex: {exc}") from None
        return self

    def target(self) -> str:
        """What the check looks at, for display (never a DSN's password)."""
        if self.kind is CheckKind.HTTP:
            return f"{self.method} {self.url}"
        if self.kind is CheckKind.COMMAND:
            return " ".join(self.argv)
        if self.dsn:
            return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", self.dsn)
        return f"{self.host}:{self.port}"


class State(StrEnum):
    UNKNOWN = "unknown"  # no result yet
    UP = "up"
    DOWN = "down"  # past the failure threshold: its alert fires


def next_state(
    state: State, *, ok: bool, failures: int, successes: int, check: Check
) -> tuple[State, int, int]:
    """The state after one more result, with the new runs of failures and successes.
    An unknown check becomes up at its first success and down at its threshold."""
    failures, successes = (0, successes + 1) if ok else (failures + 1, 0)
    if state is not State.DOWN and failures >= check.failure_threshold:
        return State.DOWN, failures, successes
    if state is State.DOWN and successes >= check.success_threshold:
        return State.UP, failures, successes
    if state is State.UNKNOWN and ok:
        return State.UP, failures, successes
    return state, failures, successes


def _unique_names(checks: tuple[Check, ...]) -> tuple[Check, ...]:
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            raise ValueError(f"{check.name!r} is defined twice")
        seen.add(check.name)
    return checks


Checks = Annotated[tuple[Check, ...], AfterValidator(_unique_names)]
