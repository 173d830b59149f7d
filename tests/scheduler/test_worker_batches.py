"""The worker takes due jobs in batches: every job still runs once, a failing job is
recorded without failing its neighbours, a page goes out in the pass that runs it, and
one slow receiver does not hold up the other messages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.receivers import Receiver
from tests.support import declare, kinds, poll, run

from warroom.clock import FrozenClock
from warroom.config import WarroomConfig, parse_config
from warroom.db.engine import Database, open_database
from warroom.db.models import Event, Job
from warroom.scheduler import local
from warroom.scheduler.handlers import Drafts
from warroom.scheduler.worker import BATCH, Worker
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import lifecycle
from warroom.services.paging import ack_links, deliveries

WAIT = 30.0


@pytest.fixture
def config(hook: Receiver) -> WarroomConfig:
    return parse_config(
        {
            "people": [
                {"name": "alice", "contacts": [f"json://127.0.0.1:{hook.port}/alice"]},
                {"name": "bob", "contacts": [f"json://127.0.0.1:{hook.port}/bob"]},
            ],
            "policies": [{"name": "default", "steps": [{"notify": ["person:bob"], "wait": "5m"}]}],
            "default_policy": "default",
        }
    )


def schedule_reminders(database: Database, clock: FrozenClock, count: int) -> None:
    """No-op reminders (of no incident), all due now."""
    specs = [jobs.JobSpec("ack_overdue", clock.now()) for _ in range(count)]
    run(database, lambda s: jobs.schedule_all(s, specs, now=clock.now()))


def statuses(database: Database) -> dict[tuple[str, int], int]:
    with database.read() as session:
        query = select(Job.status, Job.attempts, func.count()).group_by(Job.status, Job.attempts)
        return {(status, attempts): n for status, attempts, n in session.execute(query)}


def test_a_backlog_bigger_than_a_batch_is_run_all_once(
    database: Database, clock: FrozenClock, worker: Worker
) -> None:
    schedule_reminders(database, clock, BATCH * 2 + 7)
    assert worker.run_due(limit=10_000) == BATCH * 2 + 7
    assert statuses(database) == {("done", 1): BATCH * 2 + 7}


def test_racing_workers_share_a_big_backlog_and_run_each_job_once(
    db_url: str, database: Database, ctx: Context, clock: FrozenClock
) -> None:
    schedule_reminders(database, clock, 1500)
    workers = [Worker(open_database(db_url), ctx) for _ in range(4)]
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda w=w: counts.append(w.run_due(limit=10_000))) for w in workers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for w in workers:
        w.db.dispose()
    assert sum(counts) == 1500
    assert statuses(database) == {("done", 1): 1500}


def test_a_failing_job_is_recorded_and_the_rest_of_its_batch_is_done(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    schedule_reminders(database, clock, 3)
    run(
        database,
        lambda s: jobs.schedule(s, kind="no_such_kind", due_at=clock.now(), now=clock.now()),
    )
    schedule_reminders(database, clock, 3)
    worker.run_due()
    assert statuses(database) == {("done", 1): 6, ("pending", 1): 1}
    with database.read() as session:
        failed = session.scalars(select(Job).where(Job.kind == "no_such_kind")).one()
    assert "no handler for job kind 'no_such_kind'" in (failed.last_error or "")


def test_a_page_goes_out_in_the_pass_that_runs_it(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    incident_id = declare(database, ctx, "Login fails")
    worker.run_pass(BATCH)
    [message] = hook.to("/bob")
    assert f"INC-{incident_id}" in message.json["title"]
    worker.run_due()  # the next pass writes down how the send went
    assert kinds(database, incident_id).count("notified") == 1


def change_after_drafting(
    monkeypatch: pytest.MonkeyPatch, database: Database, change: Callable[[Session], object]
) -> list[int]:
    """Commit `change` after the worker has drafted its due pages from a read and before
    its transaction claims them (the race drafting must survive); the drafted job ids."""
    drafted: list[int] = []
    real = local.draft

    def draft_then_change(*args: Any, **kwargs: Any) -> Drafts:
        drafts = real(*args, **kwargs)
        if drafts and not drafted:  # the first pass that drafted a page
            drafted.extend(drafts)
            run(database, change)
        return drafts

    monkeypatch.setattr(local, "draft", draft_then_change)
    return drafted


def test_a_page_acknowledged_after_it_was_drafted_pages_nobody(
    database: Database,
    ctx: Context,
    worker: Worker,
    hook: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident_id = declare(database, ctx, "Login fails")
    drafted = change_after_drafting(
        monkeypatch,
        database,
        lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="alice", incident_id=incident_id),
    )
    worker.run_due()
    assert len(drafted) == 1  # the page was drafted, and its draft thrown away
    assert hook.got == []
    assert "paged" not in kinds(database, incident_id)


def test_a_page_whose_incident_changed_after_it_was_drafted_says_what_it_is_now(
    database: Database,
    ctx: Context,
    worker: Worker,
    hook: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident_id = declare(database, ctx, "Login fails")
    change_after_drafting(
        monkeypatch,
        database,
        lambda s: lifecycle.change_severity(
            s, ctx=ctx, actor="alice", incident_id=incident_id, severity="P0", reason="spreading"
        ),
    )
    worker.run_due()
    [message] = hook.to("/bob")
    assert message.json["title"].startswith(f"[P0] INC-{incident_id}")
    with database.read() as session:
        texts = session.scalars(select(Event.text).where(Event.kind == "paged")).all()
    assert [t for t in texts if t.startswith("Paging")] == ["Paging bob (step 1 of 1)"]


def test_a_drafted_page_carries_an_acknowledge_link_that_works(
    database: Database,
    ctx: Context,
    worker: Worker,
    hook: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    incident_id = declare(database, ctx, "Login fails")
    drafted = change_after_drafting(monkeypatch, database, lambda s: None)
    worker.run_due()
    assert len(drafted) == 1
    [message] = hook.to("/bob")
    token = message.json["message"].split("/ack/")[1].split()[0]
    acked, now = run(database, lambda s: ack_links.redeem(s, ctx=ctx, token=token))
    assert now and acked.id == incident_id and acked.status == "acknowledged"


def test_a_page_added_while_a_pass_waits_for_the_lock_goes_out_in_that_pass(
    database: Database,
    ctx: Context,
    worker: Worker,
    hook: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = declare(database, ctx, "Login fails")
    drafted: list[set[int]] = []
    real = local.draft

    def draft_then_declare(*args: Any, **kwargs: Any) -> Drafts:
        drafts = real(*args, **kwargs)
        drafted.append({d.notice.incident.id for d in drafts.values()})  # type: ignore[attr-defined]
        if len(drafted) == 1:  # committed after the pass drafted, before it claims
            declare(database, ctx, "Checkout slow")
        return drafts

    monkeypatch.setattr(local, "draft", draft_then_declare)
    worker.run_pass(BATCH)
    assert drafted == [{first}]  # only the first was drafted before the pass
    second = first + 1
    assert "paged" in kinds(database, first) and "paged" in kinds(database, second)


def test_a_slow_receiver_does_not_hold_up_the_other_messages_of_a_pass(
    database: Database, ctx: Context, worker: Worker, hook: Receiver
) -> None:
    hook.gate = threading.Event()  # every request is held until the gate opens
    run(
        database,
        lambda s: [
            deliveries.send_test(s, ctx=ctx, actor="admin", name=n) for n in ("alice", "bob")
        ],
    )
    sending = threading.Thread(target=worker.run_due)
    sending.start()
    try:
        assert poll(lambda: len(hook.got) == 2, seconds=WAIT, every=0.05)  # both in flight at once
        assert {r.path for r in hook.got} == {"/alice", "/bob"}
    finally:
        hook.gate.set()
        sending.join(timeout=WAIT)
    assert statuses(database) == {("done", 1): 2}


def test_a_delivery_whose_worker_died_mid_send_goes_out_again_after_the_lease(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker, hook: Receiver
) -> None:
    run(database, lambda s: deliveries.send_test(s, ctx=ctx, actor="admin", name="bob"))
    with database.write.begin() as session:
        [claimed] = jobs.claim(session, worker="gone", now=clock.now(), limit=10)
    worker.run_due()
    assert hook.to("/bob") == []  # leased to the worker that died
    clock.advance(jobs.LEASE + timedelta(seconds=1))
    worker.run_due()
    assert len(hook.to("/bob")) == 1
    assert statuses(database) == {("done", 2): 1}
    assert claimed.kind == deliveries.DELIVER
