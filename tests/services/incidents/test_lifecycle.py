from datetime import UTC, datetime, timedelta

import pytest
from tests.support import declared, events, kinds, run

from warroom.clock import FrozenClock
from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.domain.incidents import Role, Status
from warroom.errors import Conflict, Invalid, InvalidTransition, NotFound
from warroom.services.context import Context
from warroom.services.incidents import lifecycle, roles


def test_declaring_starts_the_clocks_of_its_severity(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident = declared(
        database, ctx, "Checkout returns 500", service="checkout", commander="alice"
    )
    now = clock.now()
    assert incident.status == Status.TRIGGERED
    assert incident.ack_due_at == now + timedelta(minutes=15)
    assert incident.next_update_due_at == now + timedelta(minutes=30)
    assert incident.channel == "incident-2026-11-02-checkout-returns-500"
    assert kinds(database, incident.id) == ["declared", "role"]


def test_two_incidents_with_the_same_title_on_one_day_get_distinct_channels(
    database: Database, ctx: Context
) -> None:
    first = declared(database, ctx)
    second = declared(database, ctx)
    assert second.channel == f"{first.channel}-{second.id}"


def test_a_low_severity_report_on_friday_evening_is_due_next_business_day(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 6, 18, 0, tzinfo=UTC))
    incident = declared(database, ctx, severity="P3")
    assert incident.ack_due_at == datetime(2026, 11, 9, 17, 0, tzinfo=UTC)


def test_a_jump_forward_fills_the_milestones_it_passes(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident = declared(database, ctx)
    clock.advance(timedelta(minutes=20))
    moved = run(
        database,
        lambda s: lifecycle.change_status(
            s, ctx=ctx, actor="bob", incident_id=incident.id, status=Status.MONITORING
        ),
    )
    assert moved.acknowledged_at == clock.now()
    assert moved.mitigated_at == clock.now()
    assert moved.resolved_at is None


def test_resolving_sets_the_postmortem_deadline_and_stops_update_reminders(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident = declared(database, ctx)
    clock.advance(timedelta(hours=1))
    resolved = run(
        database,
        lambda s: lifecycle.resolve(
            s, ctx=ctx, actor="bob", incident_id=incident.id, message="Rolled back"
        ),
    )
    assert resolved.resolved_at == clock.now()
    assert resolved.postmortem_due_at == clock.now() + timedelta(days=2)
    assert resolved.next_update_due_at is None


def test_a_p2_needs_no_postmortem(database: Database, ctx: Context) -> None:
    incident = declared(database, ctx, severity="P2")
    resolved = run(
        database, lambda s: lifecycle.resolve(s, ctx=ctx, actor="bob", incident_id=incident.id)
    )
    assert resolved.postmortem_due_at is None


def test_moving_backwards_is_refused_and_changes_nothing(database: Database, ctx: Context) -> None:
    incident = declared(database, ctx)
    run(
        database,
        lambda s: lifecycle.change_status(
            s, ctx=ctx, actor="bob", incident_id=incident.id, status=Status.IDENTIFIED
        ),
    )
    with pytest.raises(InvalidTransition, match="from identified to investigating"):
        run(
            database,
            lambda s: lifecycle.change_status(
                s, ctx=ctx, actor="bob", incident_id=incident.id, status=Status.INVESTIGATING
            ),
        )
    with database.read() as session:
        assert lifecycle.get(session, incident.id).status == Status.IDENTIFIED
    assert kinds(database, incident.id) == ["declared", "status"]


def test_acknowledging_twice_says_it_is_already_acknowledged(
    database: Database, ctx: Context
) -> None:
    incident = declared(database, ctx)
    run(database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident.id))
    with pytest.raises(Conflict, match="already acknowledged"):
        run(
            database,
            lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident.id),
        )


def test_reopening_a_resolved_incident_returns_it_to_investigating(
    database: Database, ctx: Context
) -> None:
    incident = declared(database, ctx)
    run(database, lambda s: lifecycle.resolve(s, ctx=ctx, actor="bob", incident_id=incident.id))
    reopened = run(
        database,
        lambda s: lifecycle.reopen(
            s, ctx=ctx, actor="bob", incident_id=incident.id, message="Errors are back"
        ),
    )
    assert reopened.status == Status.INVESTIGATING
    assert reopened.resolved_at is None and reopened.postmortem_due_at is None
    assert reopened.next_update_due_at is not None
    assert events(database, incident.id)[-1].text == "Errors are back"


def test_a_closed_incident_cannot_be_reopened_or_updated(database: Database, ctx: Context) -> None:
    incident = declared(database, ctx)
    run(
        database,
        lambda s: lifecycle.close(
            s, ctx=ctx, actor="bob", incident_id=incident.id, override="No post-mortem needed"
        ),
    )
    with pytest.raises(InvalidTransition):
        run(database, lambda s: lifecycle.reopen(s, ctx=ctx, actor="bob", incident_id=incident.id))
    with pytest.raises(Conflict, match="closed"):
        run(
            database,
            lambda s: lifecycle.post_update(
                s, ctx=ctx, actor="bob", incident_id=incident.id, message="late note"
            ),
        )


def test_each_update_moves_the_next_update_deadline(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident = declared(database, ctx)
    clock.advance(timedelta(minutes=10))
    updated = run(
        database,
        lambda s: lifecycle.post_update(
            s, ctx=ctx, actor="bob", incident_id=incident.id, message="Rolling back", public=True
        ),
    )
    assert updated.next_update_due_at == clock.now() + timedelta(minutes=30)
    last = events(database, incident.id)[-1]
    assert (last.kind, last.visibility, last.text) == ("update", "public", "Rolling back")


def test_raising_severity_tightens_the_ack_deadline_and_records_the_reason(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident = declared(database, ctx, severity="P2")
    declared_at = clock.now()
    clock.advance(timedelta(minutes=2))
    raised = run(
        database,
        lambda s: lifecycle.change_severity(
            s, ctx=ctx, actor="bob", incident_id=incident.id, severity="p0", reason="All regions"
        ),
    )
    assert raised.severity == "P0"
    assert raised.ack_due_at == declared_at + timedelta(minutes=5)
    last = events(database, incident.id)[-1]
    assert last.text == "Severity raised P2 → P0: All regions"
    assert last.data["reason"] == "All regions"


def test_roles_are_assigned_and_responders_accumulate(database: Database, ctx: Context) -> None:
    incident = declared(database, ctx, commander="alice")
    for role, person in (
        (Role.COMMANDER, "dana"),
        (Role.RESPONDER, "bob"),
        (Role.RESPONDER, "carol"),
        (Role.SCRIBE, "erin"),
    ):
        run(
            database,
            lambda s, r=role, p=person: roles.assign_role(
                s, ctx=ctx, actor="alice", incident_id=incident.id, role=r, person=p
            ),
        )
    with database.read() as session:
        current = lifecycle.get(session, incident.id)
        assert (current.commander, current.scribe) == ("dana", "erin")
        assert roles.responders_of(current) == ["bob", "carol"]
    assert events(database, incident.id)[2].text == "dana is commander (was alice)"


def test_an_incident_written_up_afterwards_keeps_its_true_times(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    started = clock.now() - timedelta(hours=3)
    incident = declared(database, ctx, at=started)
    acked = started + timedelta(minutes=4)
    run(
        database,
        lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident.id, at=acked),
    )
    with database.read() as session:
        current = lifecycle.get(session, incident.id)
        assert (current.declared_at, current.acknowledged_at) == (started, acked)
    timeline = events(database, incident.id)
    assert [e.at for e in timeline] == [started, acked]
    assert all(e.recorded_at == clock.now() for e in timeline)


@pytest.mark.parametrize("offset", [timedelta(minutes=1), timedelta(days=1)])
def test_a_time_in_the_future_is_refused(
    database: Database, ctx: Context, clock: FrozenClock, offset: timedelta
) -> None:
    with pytest.raises(Invalid, match="in the future") as caught:
        declared(database, ctx, at=clock.now() + offset)
    assert caught.value.field == "at"


def test_a_time_more_than_a_year_back_is_refused_as_a_likely_typo(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    with pytest.raises(Invalid, match="more than 366 days ago"):
        declared(database, ctx, at=clock.now() - timedelta(days=400))


def test_an_action_before_the_declaration_is_refused(
    database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident = declared(database, ctx)
    with pytest.raises(Invalid, match="before INC-1 was declared"):
        run(
            database,
            lambda s: lifecycle.acknowledge(
                s,
                ctx=ctx,
                actor="bob",
                incident_id=incident.id,
                at=clock.now() - timedelta(minutes=1),
            ),
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"severity": "P9"}, "severity"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    database: Database, ctx: Context, fields: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        declared(database, ctx, **fields)
    assert caught.value.field == field
    with database.read() as session:
        assert session.query(Incident).count() == 0


def test_an_unknown_incident_is_not_found(database: Database, ctx: Context) -> None:
    with pytest.raises(NotFound, match="INC-99 does not exist"):
        run(database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=99))
