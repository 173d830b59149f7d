"""`warroom check [NAME...]` (run health checks once) and `warroom run REF ACTION`."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import typer

from warroom.cli import output
from warroom.cli.runtime import (
    By,
    ConfigPath,
    Db,
    Json,
    actor,
    fail,
    opened,
    refusals,
    settings_for,
)
from warroom.clock import SystemClock
from warroom.config import load_config
from warroom.domain.access import AccessRole
from warroom.domain.incidents import parse_ref
from warroom.services.actions import runs as action_runs
from warroom.services.checks import probes


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("run")(run)


def check(
    names: Annotated[list[str] | None, typer.Argument(help="Checks to run (default: all).")] = None,
    json: Json = False,
    config: ConfigPath = None,
) -> None:
    """Run health checks once: each result and latency; exit 1 if any fails."""
    with refusals():
        loaded = load_config(settings_for(None, config).config)
    chosen = [c for c in loaded.checks if not names or c.name in names]
    unknown = sorted(set(names or []) - {c.name for c in loaded.checks})
    if unknown:
        fail(
            f"no check is named {', '.join(unknown)} (the config has "
            f"{', '.join(c.name for c in loaded.checks) or 'none'})"
        )
    now = SystemClock().now()
    with ThreadPoolExecutor(max(1, min(32, len(chosen)))) as pool:
        results = list(pool.map(lambda c: probes.run(c, now=now), chosen))
    if json:
        output.emit_json(
            [
                {
                    "name": c.name,
                    "kind": c.kind.value,
                    "target": c.target(),
                    **dataclasses.asdict(r),
                }
                for c, r in zip(chosen, results, strict=True)
            ]
        )
    else:
        rows = [
            (
                c.name,
                c.kind.value,
                c.target(),
                "ok" if r.ok else "FAIL",
                f"{r.latency_ms} ms",
                r.message,
            )
            for c, r in zip(chosen, results, strict=True)
        ]
        output.table(
            ("CHECK", "KIND", "TARGET", "RESULT", "LATENCY", "MESSAGE"),
            rows,
            empty="No checks are configured.",
        )
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def run(
    ref: str,
    action: str,
    params: Annotated[list[str] | None, typer.Argument(help="Parameters as name=value.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm a mitigation.")] = False,
    by: By = None,
    json: Json = False,
    db: Db = None,
    config: ConfigPath = None,
) -> None:
    """Run a declared action from an incident (its output goes on the timeline)."""
    given: dict[str, object] = {}
    for pair in params or []:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise typer.BadParameter(f"{pair!r} is not name=value", param_hint="PARAMS")
        given[name] = value
    with opened(db, config) as rt:  # the CLI holds the database: it runs as an admin
        result = action_runs.run(
            rt.db,
            rt.ctx,
            incident_id=parse_ref(ref),
            name=action,
            params=given,
            role=AccessRole.ADMIN,
            actor=actor(by),
            confirmed=yes,
        )
    if json:
        output.emit_json(dataclasses.asdict(result))
    else:
        typer.echo(result.output, nl=not result.output.endswith("\n"))
        status = result.error or ("timed out" if result.timed_out else f"exit {result.exit_code}")
        typer.echo(
            f"{result.action}: {status} ({result.seconds:.2f}s)"
            + (" [output cut]" if result.truncated else ""),
            err=True,
        )
    if not result.ok:
        raise typer.Exit(1)
