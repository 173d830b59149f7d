"""Running a declared action from an incident: checked first (the action, its
parameters, the person's role, a confirmation for a mitigation), run with no
transaction open and no shell, and its output and exit status put on the timeline.
A mitigation's start is on the timeline before it runs: whatever becomes of warroom
meanwhile, the record says who set a change going, and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.domain.access import AccessRole
from warroom.domain.actions import Action, command_line, values_for
from warroom.errors import Forbidden, Invalid, NotFound
from warroom.services import commands
from warroom.services.context import Context
from warroom.services.incidents import timeline
from warroom.services.incidents.lifecycle import get
from warroom.services.incidents.timeline import Kind


@dataclass(frozen=True, slots=True)
class Planned:
    action: Action
    values: dict[str, str]
    argv: list[str]


@dataclass(frozen=True, slots=True)
class ActionRun:
    action: str
    kind: str
    params: dict[str, str]
    exit_code: int | None
    ok: bool
    output: str
    truncated: bool
    timed_out: bool
    seconds: float
    error: str | None
    event_id: int


def find(ctx: Context, name: str) -> Action:
    for action in ctx.config.actions:
        if action.name == name.strip():
            return action
    known = ", ".join(a.name for a in ctx.config.actions) or "none are configured"
    raise NotFound(f"no action is named {name!r} ({known}).", field="action")


def plan(
    ctx: Context,
    *,
    name: str,
    params: Mapping[str, object],
    role: AccessRole,
    confirmed: bool,
) -> Planned:
    """The command line to run, or a refusal naming what is wrong."""
    action = find(ctx, name)
    if not action.allowed(role):
        allowed = ", ".join(action.roles)
        raise Forbidden(f"{action.name} may be run by {allowed}; you are a {role}.", field="role")
    if action.confirm and not confirmed:
        raise Invalid(
            f"{action.name} is a mitigation: confirm that you mean to run it.", field="confirm"
        )
    values = values_for(action, params)
    return Planned(action, values, command_line(action, values))


def run(
    db: Database,
    ctx: Context,
    *,
    incident_id: int,
    name: str,
    params: Mapping[str, object],
    role: AccessRole,
    actor: str,
    confirmed: bool = False,
) -> ActionRun:
    """Check, run (bounded by the action's timeout and output cap), record; three steps,
    no transaction held while the program runs."""
    with db.read() as session:
        get(session, incident_id)  # refuse an unknown incident before anything else
    try:
        planned = plan(ctx, name=name, params=params, role=role, confirmed=confirmed)
    except (Invalid, NotFound) as exc:  # a run refused is on the timeline too
        if exc.field != "confirm":  # not asking to confirm: that is no mistake
            with db.write.begin() as session:
                refused(
                    session,
                    ctx=ctx,
                    incident_id=incident_id,
                    name=name,
                    actor=actor,
                    reason=exc.message,
                )
        raise
    action = planned.action
    if action.confirm:
        with db.write.begin() as session:
            started(session, ctx=ctx, incident_id=incident_id, planned=planned, actor=actor)
    outcome = commands.run(
        planned.argv,
        timeout=action.timeout.total_seconds(),
        cap=action.output_cap,
        cwd=action.cwd,
        env=action.env,
    )
    with db.write.begin() as session:
        event_id = record(
            session, ctx=ctx, incident_id=incident_id, planned=planned, outcome=outcome, actor=actor
        )
    return ActionRun(
        action=action.name,
        kind=action.kind.value,
        params=planned.values,
        exit_code=outcome.exit_code,
        ok=outcome.ok,
        output=outcome.output,
        truncated=outcome.truncated,
        timed_out=outcome.timed_out,
        seconds=round(outcome.seconds, 3),
        error=outcome.error,
        event_id=event_id,
    )


def refused(
    session: Session, *, ctx: Context, incident_id: int, name: str, actor: str, reason: str
) -> int:
    incident = get(session, incident_id)
    now = ctx.clock.now()
    return timeline.record(
        session,
        incident,
        kind=Kind.ACTION,
        actor=actor,
        at=now,
        now=now,
        text=f"Did not run {name[:80]}: {reason}",
        data={"action": name[:80], "refused": reason},
    )


def _described(planned: Planned) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in planned.values.items())
    return f"{planned.action.label}{f' ({shown})' if shown else ''}"


def started(
    session: Session, *, ctx: Context, incident_id: int, planned: Planned, actor: str
) -> int:
    incident = get(session, incident_id)
    now = ctx.clock.now()
    action = planned.action
    return timeline.record(
        session,
        incident,
        kind=Kind.ACTION,
        actor=actor,
        at=now,
        now=now,
        text=f"Started {_described(planned)}",
        data={"action": action.name, "kind": action.kind.value, "params": planned.values},
    )


def record(
    session: Session,
    *,
    ctx: Context,
    incident_id: int,
    planned: Planned,
    outcome: commands.CommandOutcome,
    actor: str,
) -> int:
    incident = get(session, incident_id)
    now = ctx.clock.now()
    action = planned.action
    data: dict[str, Any] = {
        "action": action.name,
        "kind": action.kind.value,
        "params": planned.values,
        "exit_code": outcome.exit_code,
        "ok": outcome.ok,
        "timed_out": outcome.timed_out,
        "truncated": outcome.truncated,
        "seconds": round(outcome.seconds, 3),
        "output": outcome.output,
    }
    if outcome.error:
        data["error"] = outcome.error
    text = f"Ran {_described(planned)}: {outcome.describe()}"
    if outcome.truncated:
        text += f" (output cut at {action.output_cap} characters)"
    return timeline.record(
        session, incident, kind=Kind.ACTION, actor=actor, at=now, now=now, text=text, data=data
    )
