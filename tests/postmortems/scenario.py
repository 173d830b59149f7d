"""Incidents with known times, written up after the fact with `at`, for the reports'
tests: their MTTA, MTTR, time to mitigate and SLA compliance are worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.domain.incidents import Status
from warroom.services.context import Context
from warroom.services.incidents import lifecycle

MINUTE = timedelta(minutes=1)

# P1 ack within 15 min, P2 within 1 h, P0 within 5 min; all three have an update cadence.
EXPECTED_TOTAL = {
    "incidents": 4,
    "mtta_seconds": 700.0,  # (300 + 1200 + 600) / 3
    "mttm_seconds": 4500.0,  # (1800 + 7200) / 2: B jumps straight to resolved
    "mttr_seconds": 5400.0,  # (3600 + 7200) / 2
    "ack_met": 2,  # A and C; B acknowledged after 20 min, E never
    "ack_due": 4,
    "cadence_met": 2,  # A and B resolved before an update fell due; C and E went silent
    "cadence_due": 4,
}


def build(database: Database, ctx: Context) -> dict[str, int]:
    """Incidents A, B (P1), C (P2), E (P0) and a P1 drill, declared over the last ten
    days; their ids by letter."""
    now = ctx.clock.now()
    ids: dict[str, int] = {}

    def act(work: object) -> None:
        with database.write.begin() as session:
            work(session)  # type: ignore[operator]

    def declare(letter: str, severity: str, start: datetime, **extra: str) -> None:
        def run(s: Session) -> None:
            incident = lifecycle.declare(
                s,
                ctx=ctx,
                actor="dana",
                title=f"Incident {letter}",
                severity=severity,
                at=start,
                **extra,  # type: ignore[arg-type]
            )
            ids[letter] = incident.id

        act(run)

    def move(letter: str, status: Status, at: datetime) -> None:
        act(
            lambda s: lifecycle.change_status(
                s, ctx=ctx, actor="dana", incident_id=ids[letter], status=status, at=at
            )
        )

    a = now - timedelta(days=10)
    declare("A", "P1", a, service="checkout", commander="alice")
    move("A", Status.ACKNOWLEDGED, a + 5 * MINUTE)
    move("A", Status.MONITORING, a + 30 * MINUTE)
    move("A", Status.RESOLVED, a + 60 * MINUTE)
    b = now - timedelta(days=9)
    declare("B", "P1", b, service="checkout", commander="bob")
    move("B", Status.ACKNOWLEDGED, b + 20 * MINUTE)
    move("B", Status.RESOLVED, b + 120 * MINUTE)
    c = now - timedelta(days=8)
    declare("C", "P2", c, service="search", commander="alice")
    move("C", Status.ACKNOWLEDGED, c + 10 * MINUTE)
    e = now - timedelta(hours=2)
    declare("E", "P0", e)
    d = now - timedelta(days=7)
    declare("D", "P1", d, service="checkout")
    move("D", Status.RESOLVED, d + MINUTE)

    def make_drill(s: Session) -> None:
        drill = s.get(Incident, ids["D"])
        assert drill is not None
        drill.drill = True

    act(make_drill)
    return ids
