"""create_app: the one composition root for HTTP (the API and the web pages)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from warroom import __version__, web
from warroom.api import (
    ack,
    actions,
    admin,
    checklists,
    checks,
    deliveries,
    drills,
    duties,
    health,
    incidents,
    integrations,
    overrides,
    people,
    postmortems,
    problems,
    reports,
    responder,
    runbooks,
    schedules,
    status,
    teams,
)
from warroom.api.deps import bearer_cache
from warroom.api.fastlane import DeclareLane, IngestLane, WarroomApp
from warroom.api.ingest import Intake
from warroom.api.limits import BodyLimit
from warroom.api.metrics import Metrics, MetricsMiddleware
from warroom.api.senders import sender_cache
from warroom.api.state import ApiState
from warroom.api.status_lane import StatusLane
from warroom.clock import Clock, SystemClock
from warroom.config import Settings, WarroomConfig, load_config
from warroom.db.engine import open_database
from warroom.db.migrate import upgrade
from warroom.domain.throttles import TokenBuckets
from warroom.processes.ingest_writer import WriterProcess
from warroom.processes.worker import WorkerProcess
from warroom.scheduler.worker import Worker, install_wakeup
from warroom.services import jobs
from warroom.services.context import Context
from warroom.services.ingest.writer import IngestWriter
from warroom.services.status import public
from warroom.web import status_page

RUN_WORKER_VARIABLE = "WARROOM_RUN_WORKER"


def status_lane(app: WarroomApp, metrics: Metrics) -> StatusLane:
    """The public status page's documents and pages, answered from the public cache."""
    api_state: ApiState = app.state.warroom
    paths = status.lane_paths(api_state) | status_page.lane_paths(app.state.web)
    return StatusLane(metrics, paths, lambda key: public.peek(api_state.db, api_state.ctx, key))


def app_from_environment() -> WarroomApp:
    """One server process of `warroom serve --processes N`: settings from the environment
    the parent set, schema already migrated by the parent."""
    run_worker = os.environ.get(RUN_WORKER_VARIABLE, "1") == "1"
    return create_app(Settings(), run_worker=run_worker, migrate=False)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    config: WarroomConfig | None = None,
    run_worker: bool = True,
    migrate: bool = True,
) -> WarroomApp:
    ctx = Context(
        config=config or load_config(settings.config),
        clock=clock or SystemClock(),
        public_url=settings.base_url,
    )
    db = open_database(settings.database_url)
    split = bool(settings.split_processes) and db.is_sqlite
    worker = Worker(db, ctx)
    helper = WorkerProcess(settings.database_url, ctx) if split and run_worker else None
    if helper is not None:  # the worker runs apart: wake it there
        jobs.on_scheduled(db, helper.wake)
    else:
        install_wakeup(db, worker.wake, tell_others=not run_worker)
    wake = helper.wake if helper is not None else worker.wake.set
    process = WriterProcess(settings.database_url, ctx, wake) if split else None
    writer = IngestWriter(db, ctx, process=process)
    if migrate:
        upgrade(db.engine)

    @asynccontextmanager
    async def lifespan(_: WarroomApp) -> AsyncIterator[None]:
        writer.start()
        if helper is not None:
            helper.start()
        elif run_worker:
            worker.start()
        yield
        await writer.close()
        if helper is not None:
            await asyncio.get_running_loop().run_in_executor(None, helper.stop)
        worker.stop()
        db.dispose()

    app = WarroomApp(
        title="warroom",
        version=__version__,
        lifespan=lifespan,
        description="Incidents, their timeline and the jobs that watch their deadlines.",
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: /openapi.json is served alone
        redoc_url=None,
    )
    metrics = Metrics()
    metrics.watch(db, ctx)
    app.state.warroom = ApiState(settings=settings, db=db, ctx=ctx)
    app.state.metrics = metrics
    app.state.worker = worker
    app.state.ingest_writer = writer
    app.state.helpers = {"alert writer": writer, **({"worker": helper} if helper else {})}
    app.state.senders = sender_cache(db)
    app.state.bearers = bearer_cache(db)
    problems.install(app)
    routers = [incidents.router, integrations.router, admin.router, health.router, ack.router]
    routers += [people.router, teams.router, schedules.router, deliveries.router]
    routers += [status.router]
    routers += [postmortems.router, reports.router]
    routers += [runbooks.router, checklists.router, actions.router, checks.router]
    routers += [duties.router, drills.router]
    routers += [responder.router, overrides.router]
    for router in routers:
        app.include_router(router)
    web.install(app, db=db, ctx=ctx, public_url=settings.public_url)
    limits = ctx.config.security
    buckets = TokenBuckets(limits.integration_rate, limits.integration_burst)
    intake = Intake(app.state.warroom, app.state.senders, writer, buckets)
    limit = settings.max_body_bytes
    app.lanes = (  # the hot paths, answered before the middleware stack
        IngestLane(intake, metrics, limit),
        DeclareLane(app.state.warroom, app.state.bearers, metrics, limit),
        status_lane(app, metrics),
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
