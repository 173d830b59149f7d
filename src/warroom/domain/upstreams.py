"""Upstream dependencies: vendors that publish a Statuspage-shaped status (payment
providers, cloud and code hosts). `[[upstreams]]` names the vendor's summary.json, the
components to follow and the service of ours it affects. Pure: reading a vendor's
summary into what warroom acts on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.domain.durations import Duration
from warroom.domain.status_page import ComponentStatus, worst_component

DOWN = (
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
)


class Upstream(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    url: str  # the vendor's /api/v2/summary.json
    poll_every: Duration = timedelta(minutes=1)
    components: tuple[str, ...] = ()  # the vendor's component names; none: all of them
    service: str = Field(min_length=1, max_length=80)
    severity: str = "P2"  # of the incident a vendor outage opens
    show: bool = False  # also a component of our status page

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL of a summary.json")
        return value

    @field_validator("poll_every")
    @classmethod
    def _not_too_often(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=10):
            raise ValueError("must be at least 10s")
        return value


@dataclass(frozen=True, slots=True)
class VendorIncident:
    name: str
    body: str  # the vendor's latest update
    link: str


@dataclass(frozen=True, slots=True)
class Reading:
    status: ComponentStatus  # the worst of the followed components
    incidents: tuple[VendorIncident, ...]

    @property
    def down(self) -> bool:
        return self.status in DOWN

    @property
    def fingerprint(self) -> str:
        return "\n".join(f"{i.name}|{i.body}" for i in self.incidents)[:2000]

    @property
    def link(self) -> str:
        """The first vendor incident's page, when it is an http(s) address."""
        found = [i.link for i in self.incidents if i.link.startswith(("https://", "http://"))]
        return found[0] if found else ""

    def text(self, vendor: str) -> str:
        if not self.incidents:
            return f"{vendor} reports {self.status.value.replace('_', ' ')}."
        return "\n".join(f"{vendor}: {i.name}: {i.body} ({i.link})".strip() for i in self.incidents)


def _status(value: Any) -> ComponentStatus:
    try:
        return ComponentStatus(str(value))
    except ValueError:
        return ComponentStatus.OPERATIONAL


def read_summary(summary: Any, follow: tuple[str, ...]) -> Reading:
    """What a vendor's summary.json says of the components followed (by name, any case).
    Raises ValueError when it is not a summary."""
    if not isinstance(summary, dict) or not isinstance(summary.get("components"), list):
        raise ValueError("not a Statuspage summary (no components list)")
    wanted = {name.lower() for name in follow}
    statuses = [
        _status(c.get("status"))
        for c in summary["components"]
        if isinstance(c, dict)
        and not c.get("group")
        and (not wanted or str(c.get("name", "")).lower() in wanted)
    ]
    incidents = []
    for found in summary.get("incidents") or []:
        if not isinstance(found, dict):
            continue
        updates = found.get("incident_updates") or [{}]
        latest = updates[0] if isinstance(updates[0], dict) else {}
        incidents.append(
            VendorIncident(
                name=str(found.get("name", ""))[:200],
                body=str(latest.get("body", ""))[:1000],
                link=str(found.get("shortlink", ""))[:500],
            )
        )
    return Reading(worst_component(statuses), tuple(incidents))
