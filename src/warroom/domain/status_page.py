"""The public status page's rules: its config, the public vocabularies (component
statuses, incident impacts, the page's indicator) and how they follow from incidents.

Pure: no I/O. `[status_page]` in the config file holds what is here."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from warroom.domain.incidents import Status
from warroom.errors import Invalid


class ComponentStatus(StrEnum):
    """Statuspage's component statuses, from best to worst (maintenance sits between)."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


COMPONENT_ORDER = list(ComponentStatus)
COMPONENT_WORDS = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
}


class Impact(StrEnum):
    """Statuspage's incident impact, and (with `maintenance`) the page's indicator."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


IMPACT_ORDER = list(Impact)
INDICATOR_WORDS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
    "maintenance": "Service Under Maintenance",
}


class PublicStatus(StrEnum):
    """What an incident's public updates say it is."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"


PUBLIC_STATUS = {
    Status.TRIGGERED: PublicStatus.INVESTIGATING,
    Status.ACKNOWLEDGED: PublicStatus.INVESTIGATING,
    Status.INVESTIGATING: PublicStatus.INVESTIGATING,
    Status.IDENTIFIED: PublicStatus.IDENTIFIED,
    Status.MITIGATING: PublicStatus.IDENTIFIED,
    Status.MONITORING: PublicStatus.MONITORING,
    Status.RESOLVED: PublicStatus.RESOLVED,
    Status.CLOSED: PublicStatus.RESOLVED,
}


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


# The default words of each public state; an admin replaces any of them in
# `[status_page.templates]`. `{title}` is the incident's public title.
DEFAULT_TEMPLATES = {
    "investigating": "We are looking into a problem with {title}. More news soon.",
    "identified": "We know what is wrong with {title} and are putting it right.",
    "monitoring": "A fix for {title} is in place; we are watching to be sure it holds.",
    "resolved": "{title} is fixed. Thank you for your patience.",
    "postmortem": "Our review of {title} is published.",
}

_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_SLUG = re.compile(r"[^a-z0-9]+")
Colour = Annotated[str, Field(pattern=_COLOUR.pattern)]


def slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-") or "component"


class Component(BaseModel):
    """Something customers use, shown on the page; its status follows its services."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    group: str = ""
    services: tuple[str, ...] = ()
    shown: bool = True

    @property
    def id(self) -> str:
        return slug(self.name)


class Branding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="Status", min_length=1, max_length=80)
    logo_url: str = ""
    accent: Colour = "#2f6fde"
    background: Colour = "#ffffff"
    text: Colour = "#1b1f24"

    @field_validator("logo_url")
    @classmethod
    def _https_or_path(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://", "/")):
            raise ValueError("must be an http(s) URL or a path starting with /")
        return value


class StatusPageConfig(BaseModel):
    """`[status_page]`: the page's branding, components and publishing rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    branding: Branding = Branding()
    components: tuple[Component, ...] = ()
    publish_severities: tuple[str, ...] = ()  # incidents of these levels are public at once
    # severity id → the status of the components its incidents touch (default: by rank)
    component_status: dict[str, ComponentStatus] = Field(default_factory=dict)
    # severity id → the impact shown (default: by rank)
    impact: dict[str, Impact] = Field(default_factory=dict)
    templates: dict[PublicStatus, str] = Field(default_factory=dict)
    history_days: int = Field(default=90, ge=1, le=365)
    smtp_url: str = ""  # mailto://user:pass@host:port?from=status@example.com
    allow_private_webhooks: bool = False  # subscriber webhooks to loopback/private hosts
    subscribe_per_minute: int = Field(default=5, ge=1)  # per client address
    # severity id → who gets progress updates at its cadence (person:x, team:y, schedule:z)
    stakeholders: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_components(self) -> StatusPageConfig:
        seen: set[str] = set()
        for component in self.components:
            if component.id in seen:
                raise ValueError(f"components: {component.name!r} is defined twice")
            seen.add(component.id)
        return self

    @field_serializer("smtp_url")
    def _hide_password(self, value: str) -> str:
        """`config show` and /api/v1/config never print the SMTP password."""
        return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", value)

    def component(self, name: str) -> Component | None:
        wanted = slug(name)
        return next((c for c in self.components if c.id == wanted), None)

    def template(self, status: PublicStatus) -> str:
        return self.templates.get(status) or DEFAULT_TEMPLATES[status.value]

    def words(self, status: PublicStatus, title: str) -> str:
        """The state's template with the incident's public title in place of {title}."""
        return self.template(status).replace("{title}", title)


def component_status_for(page: StatusPageConfig, severity: str, rank: int) -> ComponentStatus:
    """The status an open public incident of this level gives the components it touches."""
    if severity in page.component_status:
        return page.component_status[severity]
    by_rank = (ComponentStatus.MAJOR_OUTAGE, ComponentStatus.PARTIAL_OUTAGE)
    return by_rank[rank] if rank < len(by_rank) else ComponentStatus.DEGRADED_PERFORMANCE


def impact_for(page: StatusPageConfig, severity: str, rank: int) -> Impact:
    if severity in page.impact:
        return page.impact[severity]
    return (Impact.CRITICAL, Impact.MAJOR)[rank] if rank < 2 else Impact.MINOR


def worst_component(statuses: list[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=COMPONENT_ORDER.index, default=ComponentStatus.OPERATIONAL)


def worst_impact(impacts: list[Impact]) -> Impact:
    return max(impacts, key=IMPACT_ORDER.index, default=Impact.NONE)


def indicator(impacts: list[Impact], components: list[ComponentStatus]) -> str:
    """The page's overall indicator: the worst open incident's impact, raised to what
    the components show; `maintenance` when only maintenance is under way."""
    worst = worst_impact(impacts)
    component = worst_component(components)
    from_component = {
        ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
        ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
        ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    }.get(component, Impact.NONE)
    worst = worst_impact([worst, from_component])
    if worst == Impact.NONE and component == ComponentStatus.UNDER_MAINTENANCE:
        return "maintenance"
    return worst.value


def parse_component_status(text: str) -> ComponentStatus:
    try:
        return ComponentStatus(text.strip().lower())
    except ValueError:
        known = ", ".join(ComponentStatus)
        raise Invalid(f"status {text!r} is not one of {known}.", field="status") from None


def reference_problems(
    page: StatusPageConfig,
    upstreams: tuple[Any, ...],
    *,
    levels: list[str],
    services: list[str],
) -> list[str]:
    """Severities and services the page and the upstreams name that the config does not
    define (services are checked only when a catalogue is configured)."""
    problems = []
    named = [("status_page.publish_severities", level) for level in page.publish_severities]
    named += [("status_page.component_status", level) for level in page.component_status]
    named += [("status_page.impact", level) for level in page.impact]
    named += [("status_page.stakeholders", level) for level in page.stakeholders]
    named += [(f"upstreams[{n}].severity", u.severity) for n, u in enumerate(upstreams)]
    for where, level in named:
        if level not in levels:
            problems.append(f"{where}: severity {level!r} is not one of {levels}")
    if services:
        known = {s.lower() for s in services}
        used = [
            (f"status_page.components[{n}].services", name)
            for n, c in enumerate(page.components)
            for name in c.services
        ]
        used += [(f"upstreams[{n}].service", u.service) for n, u in enumerate(upstreams)]
        for where, name in used:
            if name.lower() not in known:
                problems.append(f"{where}: service {name!r} is not in services")
    names = [u.name.lower() for u in upstreams]
    problems += [
        f"upstreams: {n!r} is defined twice" for n in sorted(set(names)) if names.count(n) > 1
    ]
    return problems
