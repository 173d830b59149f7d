"""Similar past incidents: full text (SQLite FTS5 or PostgreSQL) over titles, updates and
post-mortems, a shared service counting too; drills and open incidents left out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support import run

from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.postmortems import documents, similar


def past(
    database: Database,
    ctx: Context,
    title: str,
    *,
    service: str | None = None,
    update: str = "",
    resolution: str = "Fixed",
    drill: bool = False,
) -> int:
    def work(session: Any) -> int:
        start = ctx.clock.now() - timedelta(days=3)
        incident = lifecycle.declare(
            session, ctx=ctx, actor="dana", title=title, severity="P2", service=service, at=start
        )
        if update:
            lifecycle.post_update(
                session,
                ctx=ctx,
                actor="dana",
                incident_id=incident.id,
                message=update,
                at=start + timedelta(minutes=5),
            )
        lifecycle.resolve(
            session,
            ctx=ctx,
            actor="dana",
            incident_id=incident.id,
            message=resolution,
            at=start + timedelta(minutes=40),
        )
        if drill:
            row = session.get(Incident, incident.id)
            row.drill = True
        return incident.id

    return run(database, work)


def refs(found: list[similar.Similar]) -> list[str]:
    return [item.ref for item in found]


def test_the_most_similar_past_incidents_come_first_with_how_they_ended(
    database: Database, ctx: Context
) -> None:
    disk = past(
        database,
        ctx,
        "Disk full on db-1",
        update="WAL segments filled the volume",
        resolution="Deleted old WAL segments",
    )
    past(database, ctx, "Search results are slow", service="search")
    drill = past(database, ctx, "Disk full on db-2 (drill)", drill=True)
    checkout = past(database, ctx, "Checkout error rate high", service="checkout")
    run(database, lambda s: documents.create(s, ctx=ctx, actor="dana", incident_id=disk))
    now_open = run(
        database,
        lambda s: (
            lifecycle.declare(
                s,
                ctx=ctx,
                actor="dana",
                title="Disk full on db-3",
                severity="P1",
                service="checkout",
                summary="The WAL volume is at 100%",
            ).id
        ),
    )
    with database.read() as session:
        found = similar.similar(session, now_open)
    assert refs(found)[0] == f"INC-{disk}"
    assert f"INC-{checkout}" in refs(found)  # the same service, no words in common
    assert f"INC-{drill}" not in refs(found) and f"INC-{now_open}" not in refs(found)
    best = found[0]
    assert best.how == "resolved in 40m: Deleted old WAL segments" and best.has_postmortem


def test_nothing_in_common_means_no_similar_incident(database: Database, ctx: Context) -> None:
    past(database, ctx, "Search results are slow", service="search")
    fresh = run(
        database,
        lambda s: (
            lifecycle.declare(s, ctx=ctx, actor="dana", title="Printer on fire", severity="P3").id
        ),
    )
    with database.read() as session:
        assert similar.similar(session, fresh) == []
