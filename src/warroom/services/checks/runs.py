"""Health checks as durable jobs, and what their results do.

Each configured check has one chain of `check.run` jobs. Running one (a job handler,
inside the worker's transaction) schedules the next, one interval after this one was
due, so the chain survives any crash, and asks for the probe to run after the commit
(`PROBES` in the session's info: the worker's probe pool takes them; no transaction is
held while a check waits on the network). The results come back in batches to
`record`, which keeps them, moves each check's state past its thresholds and fires or
resolves the check's alert through the ingest path, so a failing check opens an
incident with the same grouping, routing and auto-resolve as any alert."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from warroom.db import advisory
from warroom.db.models import Job
from warroom.db.operations import CheckDay, CheckResult, CheckState
from warroom.db.queries import checks as statements
from warroom.domain.alerts import AlertAction, AlertIn
from warroom.domain.checks import Check, State, next_state
from warroom.services import jobs
from warroom.services.checks.probes import Result
from warroom.services.context import Context
from warroom.services.ingest import apply, integrations, prep

RUN = "check.run"
PROBES = "warroom_check_probes"  # session.info key: probes to start after the commit
INTEGRATION = "health-checks"  # the integration a check's alerts come from
RESULTS_KEPT = timedelta(days=30)  # results older than this are deleted, a step at a time
RESULTS: Table = CheckResult.__table__  # type: ignore[assignment]
DAYS: Table = CheckDay.__table__  # type: ignore[assignment]
JOBS: Table = Job.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Probe:
    """A check to run now: the job that asked, and when it was due."""

    check: Check
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Finished:
    probe: Probe
    started_at: datetime
    result: Result


def by_name(ctx: Context) -> dict[str, Check]:
    return {check.name: check for check in ctx.config.checks}


def plan(session: Session, *, ctx: Context, now: datetime) -> int:
    """Start a chain for each configured check that has none, their first runs spread
    over the interval; how many were started. Workers starting together take turns (on
    PostgreSQL by an advisory lock; SQLite writes one at a time), so none starts a
    second chain."""
    advisory.take_turns(session, RUN)
    chained = {
        payload.get("check")
        for payload in session.scalars(
            select(JOBS.c.payload).where(
                JOBS.c.kind == RUN, JOBS.c.status.in_(("pending", "running"))
            )
        )
    }
    checks = ctx.config.checks
    specs = [  # spread over their interval, so checks do not all start in one instant
        jobs.JobSpec(RUN, now + check.interval * n / len(checks), payload={"check": check.name})
        for n, check in enumerate(checks)
        if check.name not in chained
    ]
    jobs.schedule_all(session, specs, now=now)
    return len(specs)


def start(
    session: Session, ctx: Context, batch: list[jobs.Claimed], _: Mapping[int, object]
) -> None:
    """Job handler: schedule each check's next run and queue its probe for after the
    commit. A check no longer in the config ends its chain."""
    checks = by_name(ctx)
    now = ctx.clock.now()
    specs = []
    probes: list[Probe] = session.info.setdefault(PROBES, [])
    for job in batch:
        check = checks.get(str(job.payload.get("check")))
        if check is None:
            continue
        following = job.due_at + check.interval
        if following <= now:  # far behind (the worker was down): start afresh from now
            following = now + check.interval
        specs.append(jobs.JobSpec(RUN, following, payload={"check": check.name}))
        probes.append(Probe(check, job.due_at))
    jobs.schedule_all(session, specs, now=now)


def record(session: Session, *, ctx: Context, finished: list[Finished]) -> list[str]:
    """Keep these results, move each check's state, fire or resolve alerts; returns the
    names of checks whose state changed."""
    if not finished:
        return []
    statements.INSERT_RESULTS.write(
        session.connection(),
        [
            (
                f.probe.check.name,
                f.started_at,
                f.probe.due_at,
                f.result.ok,
                f.result.latency_ms,
                f.result.message,
            )
            for f in finished
        ],
    )
    _count_days(session, finished)
    names = sorted({f.probe.check.name for f in finished})
    states = {
        s.name: s
        for s in session.scalars(
            select(CheckState).where(CheckState.name.in_(names)).with_for_update()
        )
    }
    now = ctx.clock.now()
    alerts: list[AlertIn] = []
    changed = []
    for item in sorted(finished, key=lambda f: f.started_at):
        check = item.probe.check
        row = states.get(check.name)
        if row is None:
            row = CheckState(name=check.name, state=State.UNKNOWN.value, failures=0, successes=0)
            session.add(row)
            states[check.name] = row
        before = State(row.state)
        after, row.failures, row.successes = next_state(
            before, ok=item.result.ok, failures=row.failures, successes=row.successes, check=check
        )
        row.last_at = item.started_at
        if after is not before:
            row.state, row.changed_at = after.value, now
            changed.append(check.name)
            if after is State.DOWN:
                alerts.append(alert_for(ctx, check, item.result, firing=True))
            elif before is State.DOWN:
                alerts.append(alert_for(ctx, check, item.result, firing=False))
    session.flush()
    if alerts:
        submission = prep.prepare(
            ctx, integrations.builtin_sender(session, ctx=ctx, name=INTEGRATION), alerts
        )
        apply.apply(session, ctx=ctx, submissions=[submission])
    return changed


def _count_days(session: Session, finished: list[Finished]) -> None:
    """Add these results to their checks' daily tallies."""
    tally: dict[tuple[str, str], tuple[int, int]] = {}
    for item in finished:
        key = (item.probe.check.name, item.started_at.date().isoformat())
        runs, passed = tally.get(key, (0, 0))
        tally[key] = (runs + 1, passed + int(item.result.ok))
    statements.count_days(session, tally)


def alert_for(ctx: Context, check: Check, result: Result, *, firing: bool) -> AlertIn:
    """The alert a check fires when it goes down (and resolves when it comes back)."""
    level = check.severity if check.severity in ctx.config.level_ids else None
    if firing:
        summary = f"Health check {check.name} failing: {result.message}"
    else:
        summary = f"Health check {check.name} passing again"
    return AlertIn(
        dedup_key=f"check:{check.name}",
        action=AlertAction.TRIGGER if firing else AlertAction.RESOLVE,
        summary=summary,
        severity=level or "critical",
        service=check.service,
        source=check.target(),
        labels={"alertname": f"check {check.name}", "check": check.name, "kind": check.kind},
        details={"latency_ms": result.latency_ms, "message": result.message},
    )


def prune(session: Session, *, before: datetime, limit: int = 5000) -> int:
    """Delete up to `limit` results older than `before`; how many went."""
    oldest = select(RESULTS.c.id).where(RESULTS.c.at < before).order_by(RESULTS.c.id).limit(limit)
    gone = session.execute(RESULTS.delete().where(RESULTS.c.id.in_(oldest)))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]
