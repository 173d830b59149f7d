"""The report: incidents declared in a range (drills left out), grouped by severity,
service, month or commander, with their response times and SLA compliance.

Every figure comes from the milestone times the timeline's events set on the incident
(`declared_at`, `acknowledged_at`, `mitigated_at`, `resolved_at`: the true times, so an
incident written up late with `at` counts as it happened) and from the timeline itself
(an `update_overdue` event breaks the update cadence). One SQL statement aggregates
them; nothing is summed in Python. The same range gives the same report on any later
day, apart from incidents still open at the range's end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from warroom.db.models import Alert, Event, Incident
from warroom.db.spans import month_of, seconds_between
from warroom.errors import Invalid
from warroom.services.context import Context

NONE_KEY = "(none)"
MAX_RANGE = timedelta(days=3660)


class By(StrEnum):
    SEVERITY = "severity"
    SERVICE = "service"
    MONTH = "month"
    COMMANDER = "commander"
    TOTAL = "total"


def parse_by(text: str) -> By:
    try:
        return By(text.strip().lower())
    except ValueError:
        known = ", ".join(By)
        raise Invalid(f"by {text!r} is not one of {known}.", field="by") from None


@dataclass(frozen=True)
class Row:
    key: str
    incidents: int
    acknowledged: int
    mitigated: int
    resolved: int
    detected: int  # whose impact start is known (from their alerts)
    mtta_seconds: float | None  # declared → acknowledged
    mttm_seconds: float | None  # declared → mitigated
    mttr_seconds: float | None  # declared → resolved
    mttd_seconds: float | None  # impact start (the first alert's start) → declared
    ack_met: int  # acknowledged within the severity's ack_within
    ack_due: int  # whose acknowledgement deadline has come (or which were acknowledged)
    cadence_met: int  # no update overdue on the timeline
    cadence_due: int  # of a severity with an update cadence

    @property
    def ack_sla(self) -> float | None:
        return self.ack_met / self.ack_due if self.ack_due else None

    @property
    def cadence_sla(self) -> float | None:
        return self.cadence_met / self.cadence_due if self.cadence_due else None

    def as_dict(self) -> dict[str, Any]:
        values = dict(self.__dict__)
        values["ack_sla"] = _share(self.ack_sla)
        values["cadence_sla"] = _share(self.cadence_sla)
        return values


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    by: By
    rows: list[Row]
    total: Row

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "by": self.by.value,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
        }


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _seconds(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _key(by: By) -> Any:  # a column expression
    if by == By.MONTH:
        return month_of(Incident.declared_at)
    if by == By.SEVERITY:
        return Incident.severity
    if by == By.SERVICE:
        return func.coalesce(Incident.service, NONE_KEY)
    if by == By.COMMANDER:
        return func.coalesce(Incident.commander, NONE_KEY)
    return literal("all")


def _count_when(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def check_range(since: datetime, until: datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise Invalid("since and until must include a time zone.", field="since")
    if until <= since:
        raise Invalid("until must be after since.", field="until")
    if until - since > MAX_RANGE:
        raise Invalid(f"a report spans at most {MAX_RANGE.days} days.", field="since")


def report(
    session: Session, *, ctx: Context, since: datetime, until: datetime, by: By = By.TOTAL
) -> Report:
    """Incidents declared in [since, until), by `by`; an empty range is an empty report."""
    check_range(since, until)
    config = ctx.config
    cadenced = [level.id for level in config.severities if level.update_every is not None]
    impact_start = (
        select(func.min(func.coalesce(Alert.started_at, Alert.first_seen_at)))
        .where(Alert.incident_id == Incident.id)
        .scalar_subquery()
    )
    overdue_update = Incident.id.in_(  # read from the partial index ix_events_update_overdue
        select(Event.incident_id).where(Event.kind == "update_overdue")
    )
    cadence = Incident.severity.in_(cadenced) if cadenced else literal(False)
    each = (
        select(
            _key(by).label("key"),
            Incident.declared_at.label("declared"),
            Incident.acknowledged_at.label("acked"),
            Incident.mitigated_at.label("mitigated"),
            Incident.resolved_at.label("resolved"),
            Incident.ack_due_at.label("ack_due"),
            impact_start.label("started"),
            cadence.label("cadenced"),
            overdue_update.label("late"),
        )
        .where(
            Incident.drill.is_(False),
            Incident.declared_at >= since,
            Incident.declared_at < until,
        )
        .subquery()
    )
    c = each.c
    query = (
        select(
            c.key,
            func.count(),
            func.count(c.acked),
            func.count(c.mitigated),
            func.count(c.resolved),
            func.count(c.started),
            func.avg(seconds_between(c.declared, c.acked)),
            func.avg(seconds_between(c.declared, c.mitigated)),
            func.avg(seconds_between(c.declared, c.resolved)),
            func.avg(seconds_between(c.started, c.declared)),
            _count_when(c.acked <= c.ack_due),
            _count_when(and_(c.ack_due.is_not(None), c.acked.is_not(None) | (c.ack_due <= until))),
            _count_when(and_(c.cadenced, ~c.late)),
            _count_when(c.cadenced),
        )
        .group_by(c.key)
        .order_by(c.key)
    )
    rows = [_row(values) for values in session.execute(query)]
    if by == By.SEVERITY:
        rank = {level_id: i for i, level_id in enumerate(config.level_ids)}
        rows.sort(key=lambda row: rank.get(row.key, len(rank)))
    return Report(since=since, until=until, by=by, rows=rows, total=_total(rows))


def _row(values: Any) -> Row:
    (key, count, acked, mitigated, resolved, detected, mtta, mttm, mttr, mttd, *sla) = values
    return Row(
        key=str(key),
        incidents=count,
        acknowledged=acked,
        mitigated=mitigated,
        resolved=resolved,
        detected=detected,
        mtta_seconds=_seconds(mtta),
        mttm_seconds=_seconds(mttm),
        mttr_seconds=_seconds(mttr),
        mttd_seconds=_seconds(mttd),
        ack_met=int(sla[0]),
        ack_due=int(sla[1]),
        cadence_met=int(sla[2]),
        cadence_due=int(sla[3]),
    )


def _weighted(rows: list[Row], mean: str, count: str) -> float | None:
    """The mean over every group, from each group's mean and how many it averaged."""
    pairs = [(getattr(r, mean), getattr(r, count)) for r in rows if getattr(r, mean) is not None]
    weight = sum(n for _, n in pairs)
    return _seconds(sum(m * n for m, n in pairs) / weight) if weight else None


def _total(rows: list[Row]) -> Row:
    """All groups together, from the groups (a handful of rows)."""
    return Row(
        key="total",
        incidents=sum(r.incidents for r in rows),
        acknowledged=sum(r.acknowledged for r in rows),
        mitigated=sum(r.mitigated for r in rows),
        resolved=sum(r.resolved for r in rows),
        detected=sum(r.detected for r in rows),
        mtta_seconds=_weighted(rows, "mtta_seconds", "acknowledged"),
        mttm_seconds=_weighted(rows, "mttm_seconds", "mitigated"),
        mttr_seconds=_weighted(rows, "mttr_seconds", "resolved"),
        mttd_seconds=_weighted(rows, "mttd_seconds", "detected"),
        ack_met=sum(r.ack_met for r in rows),
        ack_due=sum(r.ack_due for r in rows),
        cadence_met=sum(r.cadence_met for r in rows),
        cadence_due=sum(r.cadence_due for r in rows),
    )
