"""Paging end to end inside one process: real database, real worker, real HTTP receivers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.paging.receivers import Receiver
from tests.services.helpers import events, kinds, run

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.domain.incidents import Status
from warroom.domain.signatures import HEADER, check
from warroom.scheduler.worker import Worker
from warroom.services import ack_links, deliveries, incidents
from warroom.services.context import Context

SECRET = "receiver-shared-secret"


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    base = f"127.0.0.1:{hook.port}"
    return parse_config(
        {
            "people": [
                {"name": "alice", "contacts": [f"json://{base}/alice"]},
                {"name": "bob", "contacts": [f"webhook+http://{base}/bob?secret={SECRET}"]},
                {"name": "carol", "contacts": [f"json://{base}/carol"]},
                {"name": "dave", "contacts": [f"json://{base}/dave"]},
            ],
            "schedules": [
                {
                    "name": "primary",
                    "timezone": "UTC",
                    "layers": [
                        {"members": ["alice", "bob"], "start": "2026-10-26T09:00:00Z", "turn": "1w"}
                    ],
                }
            ],
            "policies": [
                {
                    "name": "default",
                    "steps": [
                        {"notify": ["schedule:primary"], "wait": "5m"},
                        {"notify": ["person:carol"], "wait": "10m"},
                    ],
                }
            ],
            "default_policy": "default",
            "escalation_targets": {"manager": "person:dave"},
        }
    )


def declare(database: Database, ctx: Context, severity: str = "P1") -> int:
    incident = run(
        database,
        lambda s: incidents.declare(
            s, ctx=ctx, actor="alice", title="Checkout down", severity=severity
        ),
    )
    return incident.id


def test_a_page_reaches_the_on_call_person_with_an_acknowledge_link(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)
    worker.run_due()
    [message] = hook.to("/bob")  # bob is on call in the week of 2 November
    assert message.json["incident"] == f"INC-{incident_id}"
    assert message.json["subject"] == f"[P1] INC-{incident_id} Checkout down"
    assert message.json["ack_url"].startswith("http://127.0.0.1:8080/ack/")
    assert message.headers["Idempotency-Key"]
    now = ctx.clock.now().timestamp()
    assert check(SECRET, message.headers[HEADER], message.raw, now=now) is None
    assert check("another-secret-entirely", message.headers[HEADER], message.raw, now=now)
    assert "paged" in kinds(database, incident_id)
    assert "notified" in kinds(database, incident_id)


def test_nobody_answers_so_the_next_step_is_paged_after_its_wait(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    declare(database, ctx)
    worker.run_due()
    clock.advance(timedelta(minutes=4, seconds=59))
    worker.run_due()
    assert hook.to("/carol") == []
    clock.advance(timedelta(seconds=1))
    worker.run_due()
    assert len(hook.to("/carol")) == 1


def test_acknowledging_by_link_stops_the_escalation(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)
    worker.run_due()
    token = hook.to("/bob")[0].json["ack_url"].rsplit("/", 1)[1]
    acked, now = run(database, lambda s: ack_links.redeem(s, ctx=ctx, token=token))
    assert now and acked.status == Status.ACKNOWLEDGED
    assert events(database, incident_id)[-1].actor == "bob"
    clock.advance(timedelta(hours=1))
    worker.run_due()
    assert hook.to("/carol") == []
    with pytest.raises(Exception, match="already used"):
        run(database, lambda s: ack_links.redeem(s, ctx=ctx, token=token))


def test_a_receiver_that_fails_then_recovers_gets_the_message_once(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    hook.fail_with = [503, 503]
    incident_id = declare(database, ctx)
    worker.run_due()
    assert hook.to("/bob") == []
    for _ in range(2):
        clock.advance(timedelta(seconds=30))
        worker.run_due()
    assert len(hook.to("/bob")) == 1
    with database.read() as session:
        [delivery] = [
            d
            for d in deliveries.list_deliveries(session, incident_id=incident_id)
            if d.payload["person"] == "bob"
        ]
        assert (delivery.status, delivery.attempts) == ("done", 3)


def test_a_permanent_refusal_disables_the_contact_and_paging_goes_on(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    hook.fail_with = [410]
    incident_id = declare(database, ctx)
    worker.run_due()
    assert "contact_disabled" in kinds(database, incident_id)
    with database.read() as session:
        assert deliveries.disabled_urls(session, "bob")
    clock.advance(timedelta(minutes=5))
    worker.run_due()
    assert len(hook.to("/carol")) == 1
    declare(database, ctx)  # bob's disabled contact is skipped from now on
    worker.run_due()
    assert hook.to("/bob") == []


def test_the_severity_matrix_notifies_the_manager(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)
    run(database, lambda s: incidents.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident_id))
    clock.advance(timedelta(minutes=15))  # P1 unresolved after 15 minutes → manager
    worker.run_due()
    [message] = hook.to("/dave")
    assert "Escalated" in message.json["title"]


def test_everyone_paged_hears_of_the_resolution(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)
    worker.run_due()
    run(
        database,
        lambda s: incidents.resolve(
            s, ctx=ctx, actor="bob", incident_id=incident_id, message="Rolled back"
        ),
    )
    worker.run_due()
    assert hook.to("/bob")[-1].json["subject"].startswith("[P1] Resolved:")


def test_a_level_that_does_not_page_pages_nobody(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    declare(database, ctx, severity="P3")
    worker.run_due()
    assert hook.got == []
