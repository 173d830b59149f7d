"""Routing rules: which service and level an alert gets, how it groups, or whether it is
dropped. The first matching route wins; whatever it leaves unset comes from the default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.domain.alerts import URGENCIES, AlertIn, Urgency

# Where each point of the common scale lands, as a rank (0 = worst level). The worst level
# is kept for humans to declare: a single alert rarely means "everything is down".
URGENCY_RANK = {Urgency.CRITICAL: 1, Urgency.ERROR: 2, Urgency.WARNING: 3, Urgency.INFO: 3}
UNKNOWN_RANK = 2


class AutoResolve(StrEnum):
    OFF = "off"  # alerts clearing only leave a note on the timeline
    MONITORING = "monitoring"  # all alerts clear → the incident moves to monitoring
    FULL = "full"  # …and resolves after the level's monitor_for with no new firing


class Threshold(BaseModel):
    """Raise the level when a numeric label or detail is above a value (e.g. error rate)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1)
    above: float
    severity: str


class RouteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    drop: bool = False
    service: str | None = None
    severity: str | None = None
    group_by: tuple[str, ...] | None = None
    auto_resolve: AutoResolve | None = None
    raise_when: tuple[Threshold, ...] = ()


class Route(RouteSettings):
    name: str | None = None
    match: dict[str, str] = Field(default_factory=dict)
    match_re: dict[str, str] = Field(default_factory=dict)
    exists: tuple[str, ...] = ()

    @field_validator("match_re")
    @classmethod
    def _compiles(cls, value: dict[str, str]) -> dict[str, str]:
        for key, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"match_re.{key}: {pattern!r} is not a regex ({exc})") from None
        return value

    def matches(self, fields: dict[str, str]) -> bool:
        return (
            all(fields.get(k) == v for k, v in self.match.items())
            and all(
                re.search(p, fields.get(k, "")) is not None and k in fields
                for k, p in self.match_re.items()
            )
            and all(k in fields for k in self.exists)
        )


class DefaultRoute(RouteSettings):
    group_by: tuple[str, ...] | None = ("alertname",)
    auto_resolve: AutoResolve | None = AutoResolve.FULL


@dataclass(frozen=True, slots=True)
class Decision:
    drop: bool
    service: str | None
    rank: int | None  # None: the sender named a level id, kept in `level`
    level: str | None
    group_key: str
    auto_resolve: AutoResolve
    route: str | None


def fields_of(alert: AlertIn, *, kind: str, integration: str) -> dict[str, str]:
    """What rules can match on: the labels, plus the alert's own fields."""
    own = {
        "summary": alert.summary,
        "service": alert.service,
        "source": alert.source,
        "severity": alert.severity,
        "kind": kind,
        "integration": integration,
        "dedup_key": alert.dedup_key,
    }
    return {**alert.labels, **{k: v for k, v in own.items() if v is not None}}


def _number(alert: AlertIn, name: str) -> float | None:
    value: Any = alert.labels.get(name, alert.details.get(name))
    try:
        return float(str(value).strip().rstrip("%"))
    except (TypeError, ValueError):
        return None


def decide(
    alert: AlertIn,
    *,
    routes: tuple[Route, ...],
    default: DefaultRoute,
    kind: str,
    integration: str,
    integration_service: str | None,
    levels: list[str],
) -> Decision:
    fields = fields_of(alert, kind=kind, integration=integration)
    route = next((r for r in routes if r.matches(fields)), None)

    def pick(name: str) -> Any:
        value = getattr(route, name, None) if route else None
        return value if value is not None else getattr(default, name)

    service = pick("service") or integration_service or alert.service
    level = pick("severity")
    rank: int | None = None
    if level is None and alert.severity in levels:
        level = alert.severity
    if level is None:
        urgency = alert.severity if alert.severity in URGENCIES else None
        rank = min(URGENCY_RANK[Urgency(urgency)] if urgency else UNKNOWN_RANK, len(levels) - 1)
        level = levels[rank]
    for threshold in (*(route.raise_when if route else ()), *default.raise_when):
        number = _number(alert, threshold.field)
        crossed = number is not None and number > threshold.above
        if crossed and levels.index(threshold.severity) < levels.index(level):
            level = threshold.severity
    group_by: tuple[str, ...] = pick("group_by") or ()
    values = [f"{k}={fields[k]}" for k in group_by if k in fields]
    group = "&".join(values) if values else f"dedup={alert.dedup_key}"
    return Decision(
        drop=bool(route.drop if route else default.drop),
        service=service,
        rank=rank,
        level=level,
        group_key=f"{service or '-'}|{group}"[:400],
        auto_resolve=pick("auto_resolve"),
        route=route.name if route else None,
    )
