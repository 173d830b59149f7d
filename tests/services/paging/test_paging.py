"""Paging end to end inside one process: real database, real worker, real HTTP receivers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.receivers import Received, Receiver, receiver
from tests.support import declare, events, kinds, run

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database
from warroom.domain.incidents import Status
from warroom.domain.signatures import HEADER, check
from warroom.errors import NotFound
from warroom.scheduler.worker import Worker
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.paging import ack_links, deliveries, failing_contacts

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
            "admins": ["person:dave"],
        }
    )


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
    run(database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident_id))
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
        lambda s: lifecycle.resolve(
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


def subject(message: Received) -> str:
    """The subject line, from warroom's webhook or from Apprise's JSON body."""
    return str(message.json.get("subject") or message.json["title"])


def body(message: Received) -> str:
    return str(message.json["body"] if "body" in message.json else message.json["message"])


def subjects(hook: Receiver, path: str) -> list[str]:
    return [subject(m).split(":")[0] for m in hook.to(path)]


def test_those_paged_are_reminded_with_a_fresh_link_when_nobody_acknowledges_in_time(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)  # P1: acknowledge within 15 minutes
    worker.run_due()  # bob is paged
    clock.advance(timedelta(minutes=5))
    worker.run_due()  # then carol
    clock.advance(timedelta(minutes=9, seconds=59))
    worker.run_due()
    assert len(hook.to("/bob")) == len(hook.to("/carol")) == 1
    clock.advance(timedelta(seconds=1))
    worker.run_due()
    [bob_reminder] = hook.to("/bob")[1:]
    [carol_reminder] = hook.to("/carol")[1:]
    for reminder in (bob_reminder, carol_reminder):
        assert subject(reminder) == f"[P1] Still not acknowledged: INC-{incident_id} Checkout down"
        assert "nobody has acknowledged it for 15m" in body(reminder)
    assert "ack_overdue" in kinds(database, incident_id)
    token = bob_reminder.json["ack_url"].rsplit("/", 1)[1]
    acked, _ = run(database, lambda s: ack_links.redeem(s, ctx=ctx, token=token))
    assert acked.status == Status.ACKNOWLEDGED
    assert events(database, incident_id)[-1].actor == "bob"
    assert "/ack/" in body(carol_reminder)


def test_an_incident_acknowledged_in_time_sends_no_reminder(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)
    worker.run_due()
    run(database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident_id))
    clock.advance(timedelta(minutes=16))
    worker.run_due()
    assert [m.json["message"] for m in hook.to("/bob")] == ["page"]
    assert "ack_overdue" not in kinds(database, incident_id)


def test_progress_updates_reach_everyone_paged_but_their_author(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx)
    worker.run_due()  # bob
    clock.advance(timedelta(minutes=5))
    worker.run_due()  # carol

    def update(author: str, text: str) -> None:
        run(
            database,
            lambda s: lifecycle.post_update(
                s, ctx=ctx, actor=author, incident_id=incident_id, message=text
            ),
        )
        worker.run_due()

    update("bob", "Rolling back the 14:02 deploy")
    assert [m.json["message"] for m in hook.to("/bob")] == ["page"]
    [to_carol] = hook.to("/carol")[1:]
    assert subject(to_carol) == f"[P1] Update on INC-{incident_id}: Checkout down"
    assert body(to_carol).startswith("Rolling back the 14:02 deploy")
    assert "Posted by bob" in body(to_carol)
    update("alice", "Error rate back to normal")
    [to_bob] = hook.to("/bob")[1:]
    assert (to_bob.json["message"], body(to_bob).split("\n")[0]) == (
        "update",
        "Error rate back to normal",
    )
    assert len(hook.to("/carol")) == 3
    assert hook.to("/dave") == []  # never paged for it


def test_the_commander_is_reminded_of_a_postmortem_not_done_by_its_deadline(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    def resolved_incident() -> int:
        incident = run(
            database,
            lambda s: lifecycle.declare(
                s, ctx=ctx, actor="alice", title="Payments fail", severity="P1", commander="dave"
            ),
        )
        run(
            database, lambda s: lifecycle.resolve(s, ctx=ctx, actor="dave", incident_id=incident.id)
        )
        return incident.id

    reminded, closed, reopened = resolved_incident(), resolved_incident(), resolved_incident()
    run(
        database,
        lambda s: lifecycle.close(s, ctx=ctx, actor="dave", incident_id=closed, override="Done"),
    )
    run(database, lambda s: lifecycle.reopen(s, ctx=ctx, actor="dave", incident_id=reopened))
    clock.advance(timedelta(days=2) - timedelta(seconds=1))  # P1: post-mortem within 2 days
    worker.run_due()
    assert "[P1] Post-mortem due" not in subjects(hook, "/dave")
    clock.advance(timedelta(seconds=1))
    worker.run_due()
    [reminder] = [m for m in hook.to("/dave") if subject(m).startswith("[P1] Post-mortem due")]
    assert subject(reminder) == f"[P1] Post-mortem due: INC-{reminded} Payments fail"
    assert f"/incidents/INC-{reminded}" in body(reminder)
    assert "postmortem_due" in kinds(database, reminded)
    assert "postmortem_due" not in kinds(database, closed)
    assert "postmortem_due" not in kinds(database, reopened)


def test_an_admin_rewrites_the_progress_update_in_their_own_template(
    database: Database, config: WarroomConfig, clock: FrozenClock, hook: Receiver, tmp_path: Path
) -> None:
    (tmp_path / "update.txt.j2").write_text(
        "{{ ref }} news from {{ author }}\n{{ text }} (see {{ incident_url }})\n"
    )
    ctx = Context(config=config.model_copy(update={"templates_dir": tmp_path}), clock=clock)
    worker = Worker(database, ctx)
    incident_id = declare(database, ctx)
    worker.run_due()  # bob is paged with the built-in text
    run(
        database,
        lambda s: lifecycle.post_update(
            s, ctx=ctx, actor="alice", incident_id=incident_id, message="DNS fixed"
        ),
    )
    worker.run_due()
    [page, update] = hook.to("/bob")
    assert subject(page) == f"[P1] INC-{incident_id} Checkout down"
    assert subject(update) == f"INC-{incident_id} news from alice"
    assert body(update) == f"DNS fixed (see http://127.0.0.1:8080/incidents/INC-{incident_id})"


def test_a_page_whose_override_fails_goes_out_with_the_built_in_text(
    database: Database, config: WarroomConfig, clock: FrozenClock, hook: Receiver, tmp_path: Path
) -> None:
    (tmp_path / "page.txt.j2").write_text("{{ ref }} paged by {{ no_such_value }}\nbody\n")
    ctx = Context(config=config.model_copy(update={"templates_dir": tmp_path}), clock=clock)
    incident_id = declare(database, ctx)
    Worker(database, ctx).run_due()
    [page] = hook.to("/bob")
    assert subject(page) == f"[P1] INC-{incident_id} Checkout down"
    assert "/ack/" in body(page)


def test_a_contact_still_failing_after_its_retries_is_disabled_and_an_admin_is_told(
    database: Database, config: WarroomConfig, clock: FrozenClock, hook: Receiver
) -> None:
    with receiver() as down:
        down.fail_with = [503] * 100  # bob's endpoint is down for good
        people = [p.model_dump() for p in config.people if p.name != "bob"]
        people.append({"name": "bob", "contacts": [f"json://127.0.0.1:{down.port}/bob"]})
        broken = config.model_copy(update={"people": parse_config({"people": people}).people})
        ctx = Context(config=broken, clock=clock)
        worker = Worker(database, ctx)
        incident_id = declare(database, ctx)
        worker.run_due()
        for _ in range(10):  # the retries back off up to 10 minutes (±20 %)
            clock.advance(timedelta(minutes=13))
            worker.run_due()
        tries = len(down.fail_with)
    assert 100 - tries >= 8  # it kept trying before giving up
    with database.read() as session:
        [off] = deliveries.disabled_urls(session, "bob")
    assert "contact_disabled" in kinds(database, incident_id)
    [told] = [m for m in hook.to("/dave") if "cannot reach" in subject(m)]
    assert subject(told) == "warroom cannot reach bob by json (127.0.0.1): contact disabled"
    with database.read() as session:
        contact = deliveries.contact_id(session, off)
    assert f"warroom person enable-contact bob {contact}" in body(told)
    assert f"/incidents/INC-{incident_id}" in body(told)
    assert hook.to("/carol")  # paging went on to the next step
    assert run(
        database,
        lambda s: failing_contacts.enable(s, ctx=ctx, actor="admin", person="bob", contact=contact),
    )
    with database.read() as session:
        assert deliveries.disabled_urls(session, "bob") == set()
    with pytest.raises(NotFound, match="no contact"):
        run(
            database,
            lambda s: failing_contacts.enable(
                s, ctx=ctx, actor="admin", person="bob", contact="nope"
            ),
        )


def test_a_failing_message_to_an_admin_tells_nobody_again(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    hook.fail_with = [410, 410]  # bob's page, then dave's message about it: both refused
    declare(database, ctx)
    worker.run_due()
    worker.run_due()
    with database.read() as session:
        assert deliveries.disabled_urls(session, "bob")
        assert deliveries.disabled_urls(session, "dave")
        told = [d for d in deliveries.list_deliveries(session) if d.payload["person"] == "dave"]
    assert [(d.payload["message"], d.status) for d in told] == [("contact_failed", "failed")]
