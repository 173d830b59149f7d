"""Polling the upstream vendors' status pages: which are due is read, each is fetched
with no transaction open, and what it said is applied in a short write of its own."""

from __future__ import annotations

import logging

import httpx

from warroom.db.engine import Database
from warroom.domain.upstreams import Reading, Upstream, read_summary
from warroom.services.context import Context
from warroom.services.status import upstreams

log = logging.getLogger("warroom.upstreams")
TIMEOUT = httpx.Timeout(5.0)
MAX_BYTES = 2 * 1024 * 1024


def fetch(upstream: Upstream) -> Reading:
    """The vendor's summary, read; raises on any failure (HTTP, size, shape)."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        answer = client.get(upstream.url, headers={"Accept": "application/json"})
    if answer.status_code != 200:
        raise ValueError(f"HTTP {answer.status_code} from {upstream.url}")
    if len(answer.content) > MAX_BYTES:
        raise ValueError(f"{upstream.url} sent more than {MAX_BYTES} bytes")
    return read_summary(answer.json(), upstream.components)


def poll_due(db: Database, ctx: Context) -> int:
    """Poll every upstream that is due; returns how many were polled."""
    if not ctx.config.upstreams:
        return 0
    with db.read() as session:
        due = upstreams.due(session, ctx, ctx.clock.now())
    for upstream in due:
        try:
            reading: Reading | None = fetch(upstream)
            error = ""
        except Exception as exc:  # any vendor failure is data, never a crash
            reading, error = None, f"{type(exc).__name__}: {exc}"
        try:
            with db.write.begin() as session:
                if reading is None:
                    upstreams.record_failure(session, ctx, upstream, error)
                else:
                    upstreams.apply(session, ctx, upstream, reading)
        except Exception:
            log.exception("applying upstream %s failed", upstream.name)
    return len(due)
