"""A failing dependency, found by a health check, opens an incident after the failure
threshold; recovery resolves it after the success threshold (real HTTP server)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from tests.checks.servers import Service, http_service

from warroom.clock import FrozenClock
from warroom.config import parse_config
from warroom.db.engine import Database
from warroom.db.models import Alert, Incident
from warroom.db.operations import CheckDay, CheckResult, CheckState
from warroom.scheduler.worker import Worker
from warroom.services.checks import runs, views
from warroom.services.context import Context


def _worker(database: Database, clock: FrozenClock, url: str) -> Worker:
    config = parse_config(
        {
            "checks": [
                {
                    "name": "api-health",
                    "kind": "http",
                    "url": url,
                    "interval": "10s",
                    "timeout": "2s",
                    "failure_threshold": 2,
                    "success_threshold": 2,
                    "service": "api",
                    "severity": "P1",
                }
            ]
        }
    )
    return Worker(database, Context(config=config, clock=clock))


def _tick(worker: Worker, clock: FrozenClock) -> None:
    """Let the next run come due, run it, and write its result down."""
    clock.advance(timedelta(seconds=10))
    worker.run_due()
    worker.probes.wait_idle()
    worker.probes.record_waiting()


def _incidents(database: Database) -> list[Incident]:
    with database.read() as session:
        return list(session.scalars(select(Incident)))


def _state(database: Database) -> CheckState:
    with database.read() as session:
        return session.scalars(select(CheckState)).one()


def test_failing_check_opens_an_incident_and_recovery_resolves_it(
    database: Database, clock: FrozenClock
) -> None:
    with http_service() as service:
        worker = _worker(database, clock, service.url)
        worker.plan()
        worker.run_due()
        worker.probes.wait_idle()
        worker.probes.record_waiting()
        assert _state(database).state == "up"

        service.healthy = False
        _tick(worker, clock)
        assert _state(database).failures == 1
        assert _incidents(database) == []  # one failure is under the threshold

        _tick(worker, clock)
        [incident] = _incidents(database)
        assert incident.service == "api"
        assert incident.severity == "P1"
        assert incident.status == "triggered"
        with database.read() as session:
            alert = session.scalars(select(Alert)).one()
        assert alert.labels["check"] == "api-health"
        assert "status 503" in alert.summary

        _tick(worker, clock)  # still failing: the same incident, no second one
        assert len(_incidents(database)) == 1

        service.healthy = True
        _tick(worker, clock)
        assert _incidents(database)[0].status == "triggered"  # one success is not enough
        _tick(worker, clock)
        assert _state(database).state == "up"
        assert _incidents(database)[0].status == "monitoring"

        clock.advance(timedelta(hours=1, seconds=1))  # P1 monitors for an hour
        worker.run_due()
        assert _incidents(database)[0].status == "resolved"

    with database.read() as session:
        results = list(session.scalars(select(CheckResult).order_by(CheckResult.id)))
    assert [r.ok for r in results] == [True, False, False, False, True, True]
    assert all(r.latency_ms >= 0 for r in results)


def test_chain_keeps_one_job_per_check(database: Database, clock: FrozenClock) -> None:
    service = Service(port=1)  # nothing listens on port 1: the check fails to connect
    worker = _worker(database, clock, service.url)
    worker.plan()
    worker.plan()  # planning twice starts no second chain
    for _ in range(3):
        _tick(worker, clock)
    with database.read() as session:
        pending = session.execute(select(Incident.id).where(Incident.status == "triggered")).all()
        results = session.scalars(select(CheckResult)).all()
    assert len(results) == 3  # one run per interval, no duplicates
    assert len(pending) == 1
    assert "ConnectError" in results[0].message or "refused" in results[0].message.lower()


def test_results_are_tallied_by_day_and_old_ones_pruned(
    database: Database, clock: FrozenClock
) -> None:
    with http_service() as service:
        worker = _worker(database, clock, service.url)
        worker.plan()
        for healthy in (True, False, True):
            service.healthy = healthy
            _tick(worker, clock)
    with database.read() as session:
        [day] = session.scalars(select(CheckDay)).all()
    assert (day.day, day.runs, day.passed) == ("2026-11-02", 3, 2)
    with database.read() as session:
        [check] = views.list_checks(session, ctx=worker.ctx)
    assert check.uptime == 66.67 and [r.ok for r in check.recent] == [True, False, True]
    clock.advance(runs.RESULTS_KEPT + timedelta(minutes=1))
    with database.write.begin() as session:
        assert runs.prune(session, before=clock.now() - runs.RESULTS_KEPT) == 3
    with database.read() as session:
        assert session.scalars(select(CheckResult)).all() == []
        assert len(session.scalars(select(CheckDay)).all()) == 1  # tallies stay
