"""Diagnostic and mitigation actions (`[[actions]]`): an argv template with typed
parameters, run with no shell.

Each argv element is one argument; a `{name}` in it is replaced by that parameter's
value (`{{` and `}}` stand for literal braces, as curl's `%{{http_code}}` needs),
checked against its declared type, and stays inside that one argument whatever
characters it holds (so `; rm -rf /` is a literal string, never a second command).
Only the person running the action supplies values: nothing of the incident's fields
ever reaches a command line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from warroom.domain.access import AccessRole
from warroom.domain.checks import FineDuration
from warroom.errors import Invalid

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")  # {{ and }}: literal braces
MAX_VALUE = 500


class ActionKind(StrEnum):
    DIAGNOSTIC = "diagnostic"  # looks, changes nothing
    MITIGATION = "mitigation"  # changes something: asks for confirmation


class ParamType(StrEnum):
    STRING = "string"
    INT = "int"
    CHOICE = "choice"
    NAME = "name"  # letters, digits, . _ - (a host, a service, a flag)


class Param(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ParamType = ParamType.STRING
    default: str | int | None = None
    choices: tuple[str, ...] = ()
    description: str = ""


class Action(BaseModel):
    """One `[[actions]]` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = ""
    kind: ActionKind = ActionKind.DIAGNOSTIC
    argv: tuple[str, ...] = Field(min_length=1)
    params: dict[str, Param] = Field(default_factory=dict)
    timeout: FineDuration = timedelta(seconds=30)
    output_cap: int = Field(default=8000, ge=100, le=1_000_000)  # characters kept
    roles: tuple[AccessRole, ...] = (AccessRole.RESPONDER, AccessRole.ADMIN)
    cwd: Path | None = None
    env: dict[str, str] = Field(default_factory=dict)  # e.g. PGPASSWORD: off the command line

    @model_validator(mode="after")
    def _placeholders_declared(self) -> Action:
        for part in self.argv:
            for name in PLACEHOLDER.findall(part):
                if name and name not in self.params:
                    raise ValueError(f"action {self.name}: argv names {{{name}}}, not in params")
        for name, param in self.params.items():
            if param.type is ParamType.CHOICE and not param.choices:
                raise ValueError(f"action {self.name}: param {name} is a choice with no choices")
        if self.kind is ActionKind.MITIGATION and AccessRole.VIEWER in self.roles:
            raise ValueError(f"action {self.name}: a mitigation needs a responder role")
        return self

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def confirm(self) -> bool:
        return self.kind is ActionKind.MITIGATION

    def allowed(self, role: AccessRole) -> bool:
        return role in self.roles


def _check_value(action: Action, name: str, param: Param, raw: object) -> str:
    field = f"params.{name}"
    text = str(raw).strip() if raw is not None else ""
    if "\x00" in text or len(text) > MAX_VALUE:
        raise Invalid(f"{name} must be under {MAX_VALUE} characters, with no NUL.", field=field)
    if param.type is ParamType.INT:
        if not re.fullmatch(r"-?\d{1,18}", text):
            raise Invalid(f"{name} must be a whole number, not {text!r}.", field=field)
    elif param.type is ParamType.CHOICE:
        if text not in param.choices:
            known = ", ".join(param.choices)
            raise Invalid(f"{name} must be one of {known}, not {text!r}.", field=field)
    elif param.type is ParamType.NAME and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", text):
        raise Invalid(f"{name} may hold only letters, digits, '.', '_', '-'.", field=field)
    return text


def values_for(action: Action, given: Mapping[str, object]) -> dict[str, str]:
    """The parameters' values: given ones checked against their type, defaults for the
    rest; an unknown or missing parameter is refused naming it."""
    for name in given:
        if name not in action.params:
            known = ", ".join(action.params) or "none"
            raise Invalid(
                f"{action.name} has no parameter {name!r} (it takes: {known}).",
                field=f"params.{name}",
            )
    values = {}
    for name, param in action.params.items():
        raw = given.get(name, param.default)
        if raw is None or raw == "":
            raise Invalid(f"{action.name} needs the parameter {name}.", field=f"params.{name}")
        values[name] = _check_value(action, name, param, raw)
    return values


def command_line(action: Action, values: Mapping[str, str]) -> list[str]:
    """The argv to run: each template element with its placeholders filled, still one
    argument each."""
    return [PLACEHOLDER.sub(lambda m: _fill(m, values), part) for part in action.argv]


def _fill(match: re.Match[str], values: Mapping[str, str]) -> str:
    name = match.group(1)
    return values[name] if name else match.group(0)[0]


def _unique_names(actions: tuple[Action, ...]) -> tuple[Action, ...]:
    seen: set[str] = set()
    for action in actions:
        if action.name in seen:
            raise ValueError(f"{action.name!r} is defined twice")
        seen.add(action.name)
    return actions


Actions = Annotated[tuple[Action, ...], AfterValidator(_unique_names)]
