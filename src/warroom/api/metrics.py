"""Prometheus metrics: requests and latencies (middleware), open incidents and job lag
(read from the database when scraped). One registry per app: no global state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from warroom.db.engine import Database
from warroom.db.models import Incident
from warroom.domain.incidents import OPEN_STATUSES
from warroom.services import jobs
from warroom.services.context import Context


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "warroom_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "warroom_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and how long it took."""
        series = self._series.get((method, route, status))
        if series is None:  # looking a labelled series up costs more than counting in it
            series = self._series[(method, route, status)] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        count, latency = series
        count.inc()
        latency.observe(seconds)

    def watch(self, db: Database, ctx: Context) -> None:
        self.registry.register(_StateCollector(db, ctx))


class _StateCollector(Collector):
    def __init__(self, db: Database, ctx: Context) -> None:
        self.db = db
        self.ctx = ctx

    def collect(self) -> Iterator[GaugeMetricFamily]:
        incidents = GaugeMetricFamily(
            "warroom_open_incidents", "Open incidents", labels=["severity", "status"]
        )
        lag = GaugeMetricFamily("warroom_job_lag_seconds", "How late the oldest due job is")
        with self.db.read() as session:
            rows = session.execute(
                select(Incident.severity, Incident.status, func.count())
                .where(Incident.status.in_([s.value for s in OPEN_STATUSES]))
                .group_by(Incident.severity, Incident.status)
            ).all()
            lag.add_metric([], jobs.lag_seconds(session, now=self.ctx.clock.now()))
        for severity, status, count in rows:
            incidents.add_metric([severity, status], count)
        yield incidents
        yield lag


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracked_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.answered(scope["method"], route, status, time.perf_counter() - started)
