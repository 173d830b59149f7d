"""How each configured check stands: state, last result, recent latencies (for a
sparkline) and uptime over the last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.db.operations import CheckDay, CheckResult, CheckState
from warroom.domain.checks import show_duration
from warroom.services.context import Context

RECENT = 30  # results in a sparkline
UPTIME_DAYS = 7  # today and the six days before


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
    uptime: float | None  # percent of the results of the last UPTIME_DAYS days that passed


def list_checks(session: Session, *, ctx: Context) -> list[CheckRead]:
    names = [c.name for c in ctx.config.checks]
    states = {
        s.name: s for s in session.scalars(select(CheckState).where(CheckState.name.in_(names)))
    }
    now = ctx.clock.now()
    longest = max((c.interval for c in ctx.config.checks), default=timedelta(0))
    recent = _recent(session, names, since=now - longest * (RECENT + 2))
    uptime = _uptime(session, names, since=(now - timedelta(days=UPTIME_DAYS - 1)).date())
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


def _recent(session: Session, names: list[str], *, since: datetime) -> dict[str, list[ResultRead]]:
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
        .where(CheckResult.check_name.in_(names), CheckResult.at >= since)
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.n <= RECENT).order_by(ranked.c.n.desc()))
    found: dict[str, list[ResultRead]] = {}
    for name, at, ok, latency, message, _ in rows:
        found.setdefault(name, []).append(ResultRead(at, bool(ok), latency, message))
    return found


def _uptime(session: Session, names: list[str], *, since: date) -> dict[str, float]:
    if not names:
        return {}
    rows = session.execute(
        select(CheckDay.check_name, func.sum(CheckDay.passed), func.sum(CheckDay.runs))
        .where(CheckDay.check_name.in_(names), CheckDay.day >= since.isoformat())
        .group_by(CheckDay.check_name)
    )
    return {name: round(100.0 * int(ok or 0) / int(total), 2) for name, ok, total in rows if total}
