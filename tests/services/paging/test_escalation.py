"""Escalation policies as the config writes them: a service's own policy, the policy frozen
onto an incident, repeated rounds, team targets, the severity matrix at each level, paging
on a raise, and acknowledge links that expire. Real database, real worker, a real HTTP
receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.receivers import Receiver
from tests.support import declare, events, run

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.errors import Conflict
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.paging import ack_links

PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank")


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(
        {
            "services": [{"name": "payments", "policy": "payments"}, {"name": "search"}],
            "people": [
                {"name": name, "contacts": [f"json://127.0.0.1:{hook.port}/{name}"]}
                for name in PEOPLE
            ],
            "teams": [{"name": "db", "members": ["erin", "frank"]}],
            "policies": [
                {
                    "name": "default",
                    "repeat": 1,
                    "steps": [
                        {"notify": ["person:alice"], "wait": "5m"},
                        {"notify": ["person:bob"], "wait": "5m"},
                    ],
                },
                {
                    "name": "payments",
                    "repeat": 0,
                    "steps": [{"notify": ["team:db"], "wait": "10m"}],
                },
            ],
            "default_policy": "default",
            "escalation_targets": {"manager": "person:carol", "executive": "person:dave"},
        }
    )


def paged(hook: Receiver) -> list[str]:
    """Who got a page, in order (other messages aside)."""
    return [m.path[1:] for m in hook.got if "needs someone" in m.json["message"]]


def test_a_service_with_its_own_policy_pages_its_team(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    declare(database, ctx, severity="P2", service="payments")
    declare(database, ctx, severity="P2", service="search")  # no policy of its own: the default one
    worker.run_due()
    assert sorted(paged(hook)) == ["alice", "erin", "frank"]


def test_the_steps_run_again_for_each_round_then_stop(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx, severity="P2")
    for _ in range(6):
        worker.run_due()
        clock.advance(timedelta(minutes=5))
    assert paged(hook) == ["alice", "bob", "alice", "bob"]  # repeat = 1: two rounds
    assert any("ran out with no acknowledgement" in e.text for e in events(database, incident_id))


def test_a_policy_edited_later_does_not_change_a_running_escalation(
    database: Database,
    ctx: Context,
    config: WarroomConfig,
    clock: FrozenClock,
    worker: Worker,
    hook: Receiver,
) -> None:
    declare(database, ctx, severity="P2")
    worker.run_due()  # alice, step 1 of the policy as it was
    steps = [{"notify": ["person:dave"], "wait": "1m"}]
    edited = config.model_copy(
        update={
            "policies": parse_config(
                {"people": [{"name": "dave"}], "policies": [{"name": "default", "steps": steps}]}
            ).policies
        }
    )
    later = Worker(database, Context(config=edited, clock=clock))
    clock.advance(timedelta(minutes=5))
    later.run_due()
    assert paged(hook) == ["alice", "bob"]
    edited_ctx = Context(config=edited, clock=clock)
    declare(database, edited_ctx, severity="P2")  # a new incident takes the edit
    later.run_due()
    assert paged(hook)[-1] == "dave"


@pytest.mark.parametrize(
    ("severity", "after", "target"),
    [("P0", timedelta(0), "dave"), ("P2", timedelta(hours=1), "carol")],
)
def test_the_severity_matrix_escalates_each_level_after_its_time(
    database: Database,
    ctx: Context,
    clock: FrozenClock,
    worker: Worker,
    hook: Receiver,
    severity: str,
    after: timedelta,
    target: str,
) -> None:
    incident_id = declare(
        database, ctx, "Card payments fail", severity=severity, service="payments"
    )
    run(
        database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="erin", incident_id=incident_id)
    )
    if after:
        clock.advance(after - timedelta(seconds=1))
        worker.run_due()
        assert hook.to(f"/{target}") == []
        clock.advance(timedelta(seconds=1))
    worker.run_due()
    [escalated] = hook.to(f"/{target}")
    assert (
        escalated.json["title"] == f"[{severity}] Escalated: INC-{incident_id} Card payments fail"
    )


def test_raising_a_level_that_did_not_page_starts_paging(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx, severity="P3")  # P3 pages nobody
    worker.run_due()
    assert hook.got == []
    run(
        database,
        lambda s: lifecycle.change_severity(
            s, ctx=ctx, actor="api", incident_id=incident_id, severity="P1", reason="spreading"
        ),
    )
    worker.run_due()
    assert paged(hook) == ["alice"]


def test_those_paged_hear_of_a_raise(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx, severity="P2")
    worker.run_due()
    run(
        database,
        lambda s: lifecycle.change_severity(
            s, ctx=ctx, actor="api", incident_id=incident_id, severity="P0", reason="all regions"
        ),
    )
    worker.run_due()
    titles = [m.json["title"] for m in hook.to("/alice")]
    assert len(titles) == 2 and "P0" in titles[1] and titles[1] != titles[0]


def test_an_acknowledge_link_stops_working_when_it_expires(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    declare(database, ctx, severity="P2")
    worker.run_due()
    [page] = hook.to("/alice")
    token = page.json["message"].split("/ack/")[1].split()[0]
    clock.advance(timedelta(hours=24))  # the default ack_link_ttl
    with pytest.raises(Conflict, match="expired"):
        run(database, lambda s: ack_links.redeem(s, ctx=ctx, token=token))
