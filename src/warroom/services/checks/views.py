"""How each configured check stands: state, last result, recent latencies (for a
sparkline) and uptime over the last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from warroom.db.operations import CheckResult, CheckState
from warroom.domain.checks import show_duration
from warroom.services.context import Context

RECENT = 30  # results in a sparkline
UPTIME_OVER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ResultRead:
    at: datetime
    ok: bool
    latency_ms: int
    message: str


@dataclass(frozen=True, slots=True)
class CheckRead:
    name: str
    kind: str
    target: str
    service: str | None
    severity: str | None
    interval: str
    state: str  # unknown | up | down
    failures: int  # in a row
    changed_at: datetime | None
    last: ResultRead | None
    recent: list[ResultRead]  # oldest first
    uptime: float | None  # percent of the last day's results that passed


def list_checks(session: Session, *, ctx: Context) -> list[CheckRead]:
    names = [c.name for c in ctx.config.checks]
    states = {
        s.name: s for s in session.scalars(select(CheckState).where(CheckState.name.in_(names)))
    }
    recent = _recent(session, names)
    uptime = _uptime(session, names, since=ctx.clock.now() - UPTIME_OVER)
    found = []
    for check in ctx.config.checks:
        state = states.get(check.name)
        results = recent.get(check.name, [])
        found.append(
            CheckRead(
                name=check.name,
                kind=check.kind.value,
                target=check.target(),
                service=check.service,
                severity=check.severity,
                interval=show_duration(check.interval),
                state=state.state if state else "unknown",
                failures=state.failures if state else 0,
                changed_at=state.changed_at if state else None,
                last=results[-1] if results else None,
                recent=results,
                uptime=uptime.get(check.name),
            )
        )
    return found


def _recent(session: Session, names: list[str]) -> dict[str, list[ResultRead]]:
    if not names:
        return {}
    number = (
        func.row_number()
        .over(partition_by=CheckResult.check_name, order_by=CheckResult.id.desc())
        .label("n")
    )
    ranked = (
        select(
            CheckResult.check_name,
            CheckResult.at,
            CheckResult.ok,
            CheckResult.latency_ms,
            CheckResult.message,
            number,
        )
        .where(CheckResult.check_name.in_(names))
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.n <= RECENT).order_by(ranked.c.n.desc()))
    found: dict[str, list[ResultRead]] = {}
    for name, at, ok, latency, message, _ in rows:
        found.setdefault(name, []).append(ResultRead(at, bool(ok), latency, message))
    return found


def _uptime(session: Session, names: list[str], *, since: datetime) -> dict[str, float]:
    if not names:
        return {}
    passed = func.sum(case((CheckResult.ok, 1), else_=0).cast(Integer))
    rows = session.execute(
        select(CheckResult.check_name, passed, func.count())
        .where(CheckResult.check_name.in_(names), CheckResult.at >= since)
        .group_by(CheckResult.check_name)
    )
    return {name: round(100.0 * int(ok or 0) / total, 2) for name, ok, total in rows if total}
