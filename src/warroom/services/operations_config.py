"""Mistakes in the config's checks, duties and runbooks that only the whole config shows
(a level or schedule named that does not exist, a broken runbook file), for `warroom
config check`: one line each. The server runs despite them (a check with an unknown
level fires as a critical alert; a broken runbook is skipped)."""

from __future__ import annotations

from warroom.config import WarroomConfig
from warroom.services.runbooks import library


def problems(config: WarroomConfig) -> list[str]:
    found = [f"runbook {p}" for p in library.load(config.runbooks_dir).problems]
    levels = config.level_ids
    services = {s.name for s in config.services}
    for n, check in enumerate(config.checks):
        if check.severity is not None and check.severity not in levels:
            found.append(f"checks[{n}].severity: {check.severity!r} is not one of {levels}")
        if check.service is not None and services and check.service not in services:
            found.append(f"checks[{n}].service: {check.service!r} is not in services")
    schedules = {s.name for s in config.schedules}
    for n, duty in enumerate(config.duties):
        if duty.schedule is not None and duty.schedule not in schedules:
            found.append(f"duties[{n}].schedule: {duty.schedule!r} is not defined")
    return found
