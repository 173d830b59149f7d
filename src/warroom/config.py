"""Settings from the environment and the config file (severities, services, hours).

The config file is TOML. With none, the built-in `p0-p3` preset applies. Every mistake
is reported as one line naming where it is (`severities[1].ack_within: ...`).
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from warroom.config_security import SecurityConfig
from warroom.domain.actions import Actions
from warroom.domain.business_hours import BusinessHours
from warroom.domain.checklists import Checklist
from warroom.domain.checks import Checks
from warroom.domain.durations import Duration
from warroom.domain.duties import DEFAULTS as DEFAULT_DUTIES
from warroom.domain.duties import Duties
from warroom.domain.people import Person, Policy, Team, parse_target
from warroom.domain.routing import DefaultRoute, Route
from warroom.domain.schedules import Schedule
from warroom.domain.schedules import people as schedule_people
from warroom.domain.severities import Severity
from warroom.domain.status_page import StatusPageConfig, reference_problems
from warroom.domain.upstreams import Upstream
from warroom.errors import Invalid
from warroom.notifiers import check_url

PRESETS = ("p0-p3", "sev1-sev4")
DEFAULT_DATABASE_URL = "sqlite:///warroom.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"


class Settings(BaseSettings):
    """Process settings: where the database and the config file are."""

    model_config = SettingsConfigDict(env_prefix="WARROOM_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    config: Path | None = None
    max_body_bytes: int = 1024 * 1024
    # Where people and alert senders reach warroom (WARROOM_PUBLIC_URL): the base of
    # acknowledge links and integration URLs. Unset, `listen_url` stands in for it.
    public_url: str | None = None
    listen_url: str | None = None  # set by `warroom serve`: the address it listens on
    # SQLite: the alert writer and the background worker each in a process of their own
    # (processes/ingest_writer, processes/worker); `warroom serve --split`.
    split_processes: bool = False

    @property
    def base_url(self) -> str:
        """The public URL, else where `warroom serve` listens, else the default address."""
        return (self.public_url or self.listen_url or DEFAULT_PUBLIC_URL).rstrip("/")


def listen_url(host: str, port: int) -> str:
    """The URL of a server listening on host:port; on every address, this machine's name."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
        import socket

        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    owner: str | None = None
    description: str = ""
    policy: str | None = None  # escalation policy; default: the config's default_policy


MIN_PURGE_AFTER = timedelta(days=1)
MIN_ACTION_REMINDER_EVERY = timedelta(hours=1)


class WarroomConfig(BaseModel):
    """The effective configuration: one validated object, made once at start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str = "p0-p3"
    business_hours: BusinessHours = BusinessHours()
    severities: tuple[Severity, ...] = ()
    services: tuple[Service, ...] = ()
    routes: tuple[Route, ...] = ()
    default_route: DefaultRoute = DefaultRoute()
    people: tuple[Person, ...] = ()
    teams: tuple[Team, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    policies: tuple[Policy, ...] = ()
    default_policy: str | None = None
    escalation_targets: dict[str, str] = Field(default_factory=dict)  # e.g. manager → person:x
    admins: tuple[str, ...] = ()  # targets told when a contact fails for good: person:x, team:y
    templates_dir: Path | None = None  # overrides for the notification texts
    demo: bool = False  # the demo's config: demo://inbox/NAME contacts, the /demo/inbox page
    bundle_window: Duration = timedelta(seconds=30)  # pages to one contact within it: one message
    ack_link_ttl: Duration = timedelta(hours=24)
    handoff_notice: Duration = timedelta(minutes=30)  # the incoming on-call hears this early
    # Finished jobs (deliveries too) and acknowledge links are deleted this long after they
    # finished or expired (services/retention.py); incidents, timelines, alerts never are.
    purge_after: Duration = timedelta(days=90)
    # An overdue action item's owner is reminded again this often until it is done.
    action_reminder_every: Duration = timedelta(days=1)
    status_page: StatusPageConfig = StatusPageConfig()  # the public page (domain/status_page)
    upstreams: tuple[Upstream, ...] = ()  # vendors' status pages polled (domain/upstreams)
    security: SecurityConfig = SecurityConfig()  # throttles, rate limits (config_security.py)
    runbooks_dir: Path | None = None  # Markdown runbooks beside the built-in library
    checks: Checks = ()  # health checks the worker runs (domain/checks.py)
    actions: Actions = ()  # diagnostic and mitigation actions (domain/actions.py)
    checklists: tuple[Checklist, ...] = ()  # none: the defaults (domain/checklists.py)
    duties: Duties = DEFAULT_DUTIES  # recurring preventive checks (domain/duties.py)

    @field_validator("purge_after")
    @classmethod
    def _keep_a_day_at_least(cls, value: timedelta) -> timedelta:
        if value < MIN_PURGE_AFTER:
            raise ValueError("must be at least 1d, so the deliveries of a fresh incident stay")
        return value

    @field_validator("action_reminder_every")
    @classmethod
    def _an_hour_at_least(cls, value: timedelta) -> timedelta:
        if value < MIN_ACTION_REMINDER_EVERY:
            raise ValueError("must be at least 1h, so an owner is not paged every few minutes")
        return value

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r} (choose {' or '.join(PRESETS)})")
        return value

    @model_validator(mode="before")
    @classmethod
    def _fill_from_preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("severities"):
            preset = data.get("preset", "p0-p3")
            if preset in PRESETS:
                data = {**data, "severities": _preset_severities(preset)}
        return data

    @model_validator(mode="after")
    def _unique_names(self) -> WarroomConfig:
        for kind, names in (
            ("severities", [s.id for s in self.severities]),
            ("services", [s.name for s in self.services]),
            ("people", [p.name for p in self.people]),
            ("teams", [t.name for t in self.teams]),
            ("schedules", [s.name for s in self.schedules]),
            ("policies", [p.name for p in self.policies]),
        ):
            seen: set[str] = set()
            for name in names:
                if name.lower() in seen:
                    raise ValueError(f"{kind}: {name!r} is defined twice")
                seen.add(name.lower())
        for level in self.severities:
            if level.escalate_after is not None and not level.escalate_to:
                raise ValueError(f"severity {level.id}: escalate_after needs escalate_to")
            if level.postmortem_required and level.postmortem_within is None:
                raise ValueError(
                    f"severity {level.id}: postmortem_required needs postmortem_within"
                )
        problems = _dangling(self)
        if problems:
            raise ValueError("\n".join(problems))
        ids = [s.id for s in self.severities]
        for n, route in enumerate((*self.routes, self.default_route)):
            where = f"routes[{n}]" if n < len(self.routes) else "default_route"
            named = [route.severity, *(t.severity for t in route.raise_when)]
            for level_id in named:
                if level_id is not None and level_id not in ids:
                    raise ValueError(f"{where}: severity {level_id!r} is not one of {ids}")
        return self

    @cached_property
    def level_ids(self) -> list[str]:
        """The level ids, worst first (read for every alert taken in: do not change it)."""
        return [s.id for s in self.severities]

    @cached_property
    def _levels(self) -> dict[str, tuple[int, Severity]]:
        """Lower-cased id → (rank, level): asked for several times per alert."""
        return {s.id.lower(): (n, s) for n, s in enumerate(self.severities)}

    def _level(self, level: str) -> tuple[int, Severity]:
        found = self._levels.get(level.lower()) or self._levels.get(level.strip().lower())
        if found is None:
            known = ", ".join(s.id for s in self.severities)
            raise Invalid(f"severity {level!r} is not one of {known}.", field="severity")
        return found

    def severity(self, level: str) -> Severity:
        """The level with this id (case-insensitive), or a refusal naming the known ones."""
        return self._level(level)[1]

    def rank(self, level: str) -> int:
        """0 for the worst level; a lower rank is more severe."""
        return self._level(level)[0]

    def person(self, name: str) -> Person | None:
        return next((p for p in self.people if p.name == name), None)

    def policy_for(self, service: str | None) -> Policy | None:
        """The service's escalation policy, else the default one, else none."""
        entry = next((s for s in self.services if service and s.name == service), None)
        name = entry.policy if entry and entry.policy else self.default_policy
        return next((p for p in self.policies if p.name == name), None)

    def check_service(self, name: str | None) -> str | None:
        """With a service catalogue configured, only its services may be named."""
        if not name or not self.services:
            return name
        for candidate in self.services:
            if candidate.name.lower() == name.strip().lower():
                return candidate.name
        known = ", ".join(s.name for s in self.services)
        raise Invalid(f"service {name!r} is not one of {known}.", field="service")


def _dangling(config: WarroomConfig) -> list[str]:
    """Names that point at nothing, and contact URLs warroom cannot send to."""
    known = {
        "person": {p.name for p in config.people},
        "team": {t.name for t in config.teams},
        "schedule": {s.name for s in config.schedules},
    }
    policies = {p.name for p in config.policies}
    problems = []
    for n, person in enumerate(config.people):
        for m, url in enumerate(person.contacts):
            reason = check_url(url, demo_allowed=config.demo)
            if reason:
                problems.append(f"people[{n}].contacts[{m}]: {reason}")
    members = [(f"teams[{n}]", set(t.members)) for n, t in enumerate(config.teams)]
    members += [(f"schedules[{n}]", schedule_people(s)) for n, s in enumerate(config.schedules)]
    for where, names in members:
        for name in sorted(names - known["person"]):
            problems.append(f"{where}: {name!r} is not in people")
    for n, policy in enumerate(config.policies):
        for m, step in enumerate(policy.steps):
            for target in step.notify:
                kind, name = parse_target(target)
                if name not in known[kind]:
                    problems.append(f"policies[{n}].steps[{m}]: {target!r} is not defined")
    targets = [(f"escalation_targets.{key}", t) for key, t in config.escalation_targets.items()]
    targets += [(f"admins[{n}]", target) for n, target in enumerate(config.admins)]
    for where, target in targets:
        try:
            kind, name = parse_target(target)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if name not in known[kind]:
            problems.append(f"{where}: {target!r} is not defined")
    problems += reference_problems(
        config.status_page,
        config.upstreams,
        levels=[s.id for s in config.severities],
        services=[s.name for s in config.services],
    )
    named = [("default_policy", config.default_policy)] + [
        (f"services[{n}].policy", s.policy) for n, s in enumerate(config.services)
    ]
    for where, policy_name in named:
        if policy_name is not None and policy_name not in policies:
            problems.append(f"{where}: policy {policy_name!r} is not defined")
    return problems


def _preset_severities(preset: str) -> list[dict[str, Any]]:
    text = resources.files("warroom.presets").joinpath(f"{preset}.toml").read_text("utf-8")
    severities: list[dict[str, Any]] = tomllib.loads(text)["severities"]
    return severities


class ConfigError(Exception):
    """A config file with mistakes; `problems` holds one readable line per mistake."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s)")
        self.source = source
        self.problems = problems


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "config"


def parse_config(data: dict[str, Any], source: str = "config") -> WarroomConfig:
    try:
        return WarroomConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key (check its spelling)"
            where = _location(tuple(error["loc"]))
            for line in message.split("\n"):
                problems.append(line if where == "config" else f"{where}: {line}")
        raise ConfigError(source, problems) from None


def load_config(path: Path | None) -> WarroomConfig:
    """Read and validate the config file; with no path, the built-in defaults."""
    if path is None:
        return parse_config({}, "built-in defaults")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_config(data, str(path))
