"""Opening several incidents at once (an alert storm opening new groups): each one is
whole — its row, channel, first timeline entries and clocks — as if declared alone."""

from datetime import timedelta

from sqlalchemy import select
from tests.support import kinds, run

from warroom.clock import FrozenClock
from warroom.db.engine import Database
from warroom.db.models import Incident, Job
from warroom.domain.incidents import Source
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, openings


def opening(title: str, **fields: object) -> openings.Opening:
    return openings.Opening(actor="prom", title=title, severity="P1", **fields)  # type: ignore[arg-type]


def test_a_batch_opens_each_incident_with_its_clocks_and_timeline(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    made = run(
        database,
        lambda s: openings.open_incidents(
            s,
            ctx=ctx,
            openings=[
                opening("Disk full on db-1", source=Source.ALERT, group_key="disk|db"),
                opening("Queue backlog", commander="alice"),
            ],
        ),
    )
    assert [i.id for i in made] == [1, 2]
    with database.read() as session:
        stored = {i.id: i for i in session.scalars(select(Incident))}
        due = sorted((j.incident_id, j.kind) for j in session.scalars(select(Job)))
    assert stored[1].group_key == "disk|db" and stored[1].source == "alert"
    assert stored[2].ack_due_at == clock.now() + timedelta(minutes=15)
    assert kinds(database, 1) == ["declared"] and kinds(database, 2) == ["declared", "role"]
    assert ("ack_overdue" in {k for i, k in due if i == 1}) and (
        "ack_overdue" in {k for i, k in due if i == 2}
    )


def test_same_day_same_title_channels_stay_distinct_within_and_across_batches(
    database: Database, ctx: Context
) -> None:
    alone = run(
        database,
        lambda s: lifecycle.declare(s, ctx=ctx, actor="a", title="Login broken", severity="P2"),
    )
    batch = run(
        database,
        lambda s: openings.open_incidents(
            s,
            ctx=ctx,
            openings=[opening("Login broken"), opening("Login broken"), opening("Other")],
        ),
    )
    assert alone.channel == "incident-2026-11-02-login-broken"
    assert [i.channel for i in batch] == [
        f"incident-2026-11-02-login-broken-{batch[0].id}",
        f"incident-2026-11-02-login-broken-{batch[1].id}",
        "incident-2026-11-02-other",
    ]
    with database.read() as session:
        channels = list(session.scalars(select(Incident.channel)))
    assert len(set(channels)) == len(channels) == 4


def test_a_storm_of_openings_gives_each_incident_its_own_row(
    database: Database, ctx: Context
) -> None:
    """More new incidents than one INSERT takes: every returned id is the row of that title."""
    run(database, lambda s: lifecycle.declare(s, ctx=ctx, actor="a", title="Before", severity="P2"))
    titles = [f"Alert group {n}" for n in range(1200)]
    made = run(
        database,
        lambda s: openings.open_incidents(s, ctx=ctx, openings=[opening(t) for t in titles]),
    )
    with database.read() as session:
        stored = dict(session.execute(select(Incident.id, Incident.title)).all())
    assert [stored[i.id] for i in made] == titles
    assert len({i.id for i in made}) == 1200
