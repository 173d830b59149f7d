import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError
from tests.support import declare, events, kinds, run

from warroom.clock import FrozenClock
from warroom.db.engine import Database, open_database
from warroom.db.models import Event, Job
from warroom.domain.incidents import Status
from warroom.errors import Conflict
from warroom.scheduler.worker import Worker
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.incidents import lifecycle


def test_an_unacknowledged_incident_is_flagged_when_its_ack_deadline_passes(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)
    clock.advance(timedelta(minutes=14, seconds=59))
    worker.run_due()
    assert "ack_overdue" not in kinds(database, incident_id)
    clock.advance(timedelta(seconds=1))
    worker.run_due()
    assert kinds(database, incident_id).count("ack_overdue") == 1
    with database.read() as session:  # late ack and the P1 matrix step both escalate
        assert lifecycle.get(session, incident_id).escalation_level == 2


def test_an_acknowledged_incident_is_not_flagged(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)
    run(database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident_id))
    clock.advance(timedelta(hours=1))
    worker.run_due()
    assert "ack_overdue" not in kinds(database, incident_id)


def test_the_severity_matrix_escalates_an_unresolved_p1_after_15_minutes(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)
    run(database, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor="bob", incident_id=incident_id))
    clock.advance(timedelta(minutes=15))
    worker.run_due()
    escalated = [e for e in events(database, incident_id) if e.kind == "escalated"]
    assert [e.data["to"] for e in escalated] == ["manager"]


def test_a_resolved_incident_is_not_escalated(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)
    run(database, lambda s: lifecycle.resolve(s, ctx=ctx, actor="bob", incident_id=incident_id))
    clock.advance(timedelta(hours=1))
    worker.run_due()
    assert kinds(database, incident_id) == ["declared", "status"]


def test_a_silent_incident_is_reminded_at_its_cadence_until_someone_posts(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx, severity="P3")  # no escalation, business hours
    clock.advance(timedelta(days=1))  # Tuesday 09:00: a working day passed without an update
    worker.run_due()
    assert kinds(database, incident_id).count("update_overdue") == 1
    clock.advance(timedelta(days=1))
    worker.run_due()
    assert kinds(database, incident_id).count("update_overdue") == 2
    run(
        database,
        lambda s: lifecycle.post_update(
            s, ctx=ctx, actor="bob", incident_id=incident_id, message="Fix is in review"
        ),
    )
    clock.advance(timedelta(hours=7, minutes=59))  # the next update is due at 17:00
    worker.run_due()
    assert kinds(database, incident_id).count("update_overdue") == 2
    clock.advance(timedelta(minutes=1))
    worker.run_due()
    assert kinds(database, incident_id).count("update_overdue") == 3


def test_monitoring_prompts_to_resolve_after_the_window_with_no_change(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)  # P1: monitor for 1h
    run(
        database,
        lambda s: lifecycle.change_status(
            s, ctx=ctx, actor="bob", incident_id=incident_id, status=Status.MONITORING
        ),
    )
    clock.advance(timedelta(minutes=59))
    worker.run_due()
    assert "monitoring_over" not in kinds(database, incident_id)
    clock.advance(timedelta(minutes=1))
    worker.run_due()
    assert kinds(database, incident_id)[-1] == "monitoring_over"


def test_a_reopened_incident_gets_no_stale_monitoring_prompt(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)
    for action in (
        lambda s: lifecycle.change_status(
            s, ctx=ctx, actor="bob", incident_id=incident_id, status=Status.MONITORING
        ),
        lambda s: lifecycle.reopen(s, ctx=ctx, actor="bob", incident_id=incident_id),
        lambda s: lifecycle.change_status(
            s, ctx=ctx, actor="bob", incident_id=incident_id, status=Status.MONITORING
        ),
    ):
        run(database, action)
        clock.advance(timedelta(minutes=40))
    worker.run_due()  # 80 min after the first monitoring, 40 after the second
    assert "monitoring_over" not in kinds(database, incident_id)
    clock.advance(timedelta(minutes=20))
    worker.run_due()
    assert kinds(database, incident_id).count("monitoring_over") == 1


def test_jobs_survive_a_restart(
    db_url: str, database: Database, ctx: Context, clock: FrozenClock
) -> None:
    incident_id = declare(database, ctx)
    database.dispose()  # the process that scheduled the job is gone
    clock.advance(timedelta(minutes=16))
    reopened = open_database(db_url)
    try:
        Worker(reopened, ctx).run_due()
        assert "ack_overdue" in kinds(reopened, incident_id)
    finally:
        reopened.dispose()


def test_racing_workers_run_each_job_exactly_once(
    db_url: str, database: Database, ctx: Context, clock: FrozenClock
) -> None:
    ids = [declare(database, ctx) for _ in range(8)]
    clock.advance(timedelta(minutes=16))
    workers = [Worker(open_database(db_url), ctx) for _ in range(4)]
    counts: list[int] = []
    threads = [threading.Thread(target=lambda w=w: counts.append(w.run_due())) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for w in workers:
        w.db.dispose()
    for incident_id in ids:
        assert kinds(database, incident_id).count("ack_overdue") == 1
        assert kinds(database, incident_id).count("escalated") == 1
    assert sum(counts) == 16  # 8 ack checks and 8 escalations, none run twice


def test_a_job_whose_worker_died_is_taken_over_when_its_lease_ends(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    incident_id = declare(database, ctx)
    clock.advance(timedelta(minutes=15))
    with database.write.begin() as session:
        claimed = jobs.claim(session, worker="dead", now=clock.now(), limit=100)
    assert claimed  # claimed and committed; then that worker vanished
    worker.run_due()
    assert "ack_overdue" not in kinds(database, incident_id)
    clock.advance(jobs.LEASE + timedelta(seconds=1))
    worker.run_due()
    assert kinds(database, incident_id).count("ack_overdue") == 1


def test_a_failing_job_records_its_error_and_is_retried_later(
    database: Database, ctx: Context, clock: FrozenClock, worker: Worker
) -> None:
    with database.write.begin() as session:
        jobs.schedule(session, kind="no_such_kind", due_at=clock.now(), now=clock.now())
    worker.run_due()
    with database.read() as session:
        job = session.scalars(select(Job)).one()
        assert job.status == "pending" and job.attempts == 1
        assert "no handler for job kind 'no_such_kind'" in (job.last_error or "")
        assert job.due_at > clock.now()


def test_the_timeline_cannot_be_rewritten_even_by_hand(database: Database, ctx: Context) -> None:
    incident_id = declare(database, ctx)
    for statement in (update(Event).values(text="nothing happened"), text("DELETE FROM events")):
        with pytest.raises(DatabaseError, match="append-only"):
            run(database, lambda s, q=statement: s.execute(q))
    assert kinds(database, incident_id) == ["declared"]


def test_two_people_acknowledging_at_once_record_one_acknowledgement(
    db_url: str, database: Database, ctx: Context
) -> None:
    incident_id = declare(database, ctx)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def acknowledge(name: str) -> None:
        db = open_database(db_url)
        try:
            barrier.wait()
            run(
                db, lambda s: lifecycle.acknowledge(s, ctx=ctx, actor=name, incident_id=incident_id)
            )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            db.dispose()

    threads = [threading.Thread(target=acknowledge, args=(n,)) for n in ("bob", "dana")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert kinds(database, incident_id).count("acknowledged") == 1
